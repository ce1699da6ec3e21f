package dev.waybill.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.sample.SampleLogGenerator.Options;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake cPanel root agrees with itself and with the log made from the same options. */
class CpanelRootConsistencyTest {

    static final Options OPTIONS = Options.defaults().withLines(80_000).withSeed(11).withAccounts(60);

    @TempDir
    static Path root;
    static String[] log;
    static Map<String, String> userdomains;
    static Map<String, String> trueuserdomains;
    static Map<String, String> domainusers;
    static Map<String, String> owners;
    static Set<String> localdomains;
    /** domain -> (left-hand side -> right-hand side) of etc/valiases/domain. */
    static Map<String, Map<String, String>> valiases = new HashMap<>();

    @BeforeAll
    static void generate() throws IOException {
        SampleLogGenerator g = new SampleLogGenerator(OPTIONS);
        g.writeCpanelRoot(root);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        g.generate(out);
        log = out.toString(StandardCharsets.US_ASCII).split("\n");
        userdomains = colonFile(root.resolve("etc/userdomains"));
        trueuserdomains = colonFile(root.resolve("etc/trueuserdomains"));
        domainusers = colonFile(root.resolve("etc/domainusers"));
        owners = colonFile(root.resolve("etc/trueuserowners"));
        localdomains = new HashSet<>(Files.readAllLines(root.resolve("etc/localdomains")));
        try (Stream<Path> files = Files.list(root.resolve("etc/valiases"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                valiases.put(f.getFileName().toString(), colonFile(f));
            }
        }
    }

    /** Reads {@code key: value} lines, keeping their order. */
    static Map<String, String> colonFile(Path f) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(f, StandardCharsets.US_ASCII)) {
            int c = line.indexOf(": ");
            assertTrue(c > 0, f + ": not a 'key: value' line: " + line);
            assertEquals(null, m.put(line.substring(0, c), line.substring(c + 2)), f + ": key twice: " + line);
        }
        return m;
    }

    static Map<String, String> userFile(String user) throws IOException {
        Path f = root.resolve("var/cpanel/users").resolve(user);
        assertTrue(Files.isRegularFile(f), "no " + f);
        Map<String, String> m = new HashMap<>();
        for (String line : Files.readAllLines(f)) {
            int eq = line.indexOf('=');
            m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return m;
    }

    static String domainOf(String address) {
        return address.substring(address.indexOf('@') + 1);
    }

    @Test
    void accountFiles_agreeWithEachOther() throws IOException {
        assertEquals("nobody", userdomains.get("*"), "etc/userdomains lacks '*: nobody'");
        assertEquals(OPTIONS.accounts(), trueuserdomains.size());
        assertEquals(OPTIONS.accounts(), domainusers.size());
        assertEquals(OPTIONS.accounts(), owners.size());
        Set<String> listed = new HashSet<>();
        for (Map.Entry<String, String> e : trueuserdomains.entrySet()) {
            String primary = e.getKey();
            String user = e.getValue();
            assertEquals(primary, domainusers.get(user), "domainusers is not the reverse of trueuserdomains for " + user);
            assertEquals(user, userdomains.get(primary), "userdomains disagrees on " + primary);
            Map<String, String> file = userFile(user);
            assertEquals(primary, file.get("DNS"), user + ": DNS=");
            assertEquals(owners.get(user), file.get("OWNER"), user + ": OWNER=");
            // As cPanel writes it; before the log begins (a day's margin for any time zone), so
            // that an account sees all of the log's mail.
            assertTrue(file.get("STARTDATE").matches("[0-9]+"), user + ": STARTDATE=" + file.get("STARTDATE"));
            assertTrue(Long.parseLong(file.get("STARTDATE")) <= OPTIONS.startMillis() / 1000 - 86400,
                    user + ": STARTDATE=" + file.get("STARTDATE") + " is not before the log");
            listed.add(primary);
            for (int i = 1; file.containsKey("DNS" + i); i++) {
                String d = file.get("DNS" + i);
                assertEquals(user, userdomains.get(d), "userdomains disagrees on " + d + " of " + user);
                assertTrue(listed.add(d), d + " belongs to two accounts");
            }
        }
        Set<String> all = new HashSet<>(userdomains.keySet());
        all.remove("*");
        assertEquals(all, listed, "userdomains and the users' DNS lines list different domains");
        assertTrue(localdomains.containsAll(all), "a hosted domain is missing from etc/localdomains");
        assertEquals(all, valiases.keySet(), "etc/valiases/ has not one file per hosted domain");
    }

    @Test
    void resellers_ownSomeAccounts() throws IOException {
        int resold = 0;
        for (Map.Entry<String, String> e : owners.entrySet()) {
            String owner = e.getValue();
            if (!owner.equals("root")) {
                assertTrue(owners.containsKey(owner), e.getKey() + " is owned by unknown " + owner);
                assertEquals("reseller", userFile(owner).get("PLAN"), owner + " owns accounts but is no reseller");
                resold++;
            }
        }
        assertTrue(resold > 0, "no account is owned by a reseller");
        assertTrue(resold < owners.size(), "every account is owned by a reseller");
    }

    @Test
    void valiases_haveADefaultAndForwardersOfEveryKind() {
        int blackhole = 0;
        int forwarders = 0;
        for (Map.Entry<String, Map<String, String>> e : valiases.entrySet()) {
            Map<String, String> file = e.getValue();
            assertNotNull(file.get("*"), e.getKey() + " has no '*:' line");
            for (Map.Entry<String, String> a : file.entrySet()) {
                if (a.getKey().equals("*")) {
                    continue;
                }
                assertTrue(a.getKey().endsWith("@" + e.getKey()), "alias of another domain: " + a.getKey());
                if (a.getValue().equals(":blackhole:")) {
                    blackhole++;
                } else {
                    forwarders++;
                }
            }
        }
        assertTrue(blackhole > 0, "no :blackhole: forwarder");
        assertTrue(forwarders > 10, "only " + forwarders + " forwarders");
    }

    static final Pattern SENDER_ID = Pattern.compile(" Sender identification U=(\\S+) D=(\\S+) S=(\\S+)$");
    static final Pattern AUTH = Pattern.compile(" A=dovecot_(?:login|plain):(\\S+) ");
    static final Pattern LOCAL_ARRIVAL = Pattern.compile(" <= (\\S+) U=(\\S+) P=local ");
    static final Pattern LOCAL_DELIVERY = Pattern.compile(
            " [=-]> (\\S+)(?: \\(([^)]*)\\))? <(\\S+)> R=virtual_user T=dovecot_virtual_delivery C=\"250 2\\.0\\.0 <(\\S+)>");
    static final Pattern FORWARDED_REMOTE = Pattern.compile(
            " [=-]> (\\S+)(?: \\(([^)]*)\\))? <(\\S+)> R=dkim_lookuphost ");
    static final Pattern REMOTE = Pattern.compile(" (?:[=-]>|==|\\*\\*) (\\S+@\\S+) .*R=dkim_lookuphost ");
    static final Pattern BLACKHOLE = Pattern.compile(" => :blackhole: (?:\\(([^)]*)\\) )?<(\\S+)> R=virtual_aliases$");
    static final Pattern FAIL = Pattern.compile(" \\*\\* (\\S+) R=virtual_aliases: No Such User Here$");
    static final Pattern REJECTED = Pattern.compile(" rejected RCPT <(\\S+)>: No Such User Here$");

    @Test
    void log_everyLocalDomainIsHostedAndEveryRemoteOneIsNot() {
        Set<String> seenLocal = new HashSet<>();
        int remote = 0;
        for (String line : log) {
            Matcher m;
            if ((m = SENDER_ID.matcher(line)).find()) {
                assertEquals(m.group(1), userdomains.get(m.group(2)), "Sender identification vs userdomains: " + line);
                assertEquals(m.group(2), domainOf(m.group(3)), line);
                seenLocal.add(m.group(2));
            }
            if ((m = AUTH.matcher(line)).find()) {
                seenLocal.add(domainOf(m.group(1)));
            }
            if ((m = LOCAL_ARRIVAL.matcher(line)).find() && !m.group(2).equals("mailnull")) {
                assertEquals(m.group(2), userdomains.get(domainOf(m.group(1))), "U= vs sender domain: " + line);
                seenLocal.add(domainOf(m.group(1)));
            }
            if ((m = LOCAL_DELIVERY.matcher(line)).find()) {
                assertEquals(m.group(1), m.group(4).substring(0, m.group(4).indexOf('@')), line);
                seenLocal.add(domainOf(m.group(4)));
                seenLocal.add(domainOf(m.group(3)));
            }
            if ((m = BLACKHOLE.matcher(line)).find() || (m = FAIL.matcher(line)).find()
                    || (m = REJECTED.matcher(line)).find()) {
                seenLocal.add(domainOf(m.group(m.groupCount())));
            }
            if ((m = REMOTE.matcher(line)).find()) {
                String d = domainOf(m.group(1));
                assertFalse(userdomains.containsKey(d), "hosted domain delivered remotely: " + line);
                remote++;
            }
        }
        for (String d : seenLocal) {
            assertTrue(userdomains.containsKey(d), d + " is local in the log but not in etc/userdomains");
            assertTrue(localdomains.contains(d), d + " is local in the log but not in etc/localdomains");
        }
        assertTrue(seenLocal.size() > OPTIONS.accounts() / 2, "the log touches only " + seenLocal.size() + " local domains");
        assertTrue(remote > 1000, "only " + remote + " remote delivery lines");
    }

    @Test
    void log_forwardingChainsFollowTheValiases() {
        int chains = 0;
        int checked = 0;
        for (String line : log) {
            Matcher m;
            List<String> hops = new ArrayList<>();
            if ((m = LOCAL_DELIVERY.matcher(line)).find()) {
                hops.add(m.group(3));
                addParents(hops, m.group(2));
                hops.add(m.group(4));
            } else if ((m = FORWARDED_REMOTE.matcher(line)).find()) {
                hops.add(m.group(3));
                addParents(hops, m.group(2));
                hops.add(m.group(1));
            } else if ((m = BLACKHOLE.matcher(line)).find()) {
                hops.add(m.group(2));
                addParents(hops, m.group(1));
                hops.add(":blackhole:");
            } else if ((m = FAIL.matcher(line)).find()) {
                String a = m.group(1);
                Map<String, String> file = valiases.get(domainOf(a));
                assertFalse(file.containsKey(a), a + " is a forwarder, yet failed: " + line);
                assertEquals(":fail: No Such User Here", file.get("*"), line);
                continue;
            } else {
                continue;
            }
            if (hops.size() >= 3) {
                chains++;
            }
            for (int i = 0; i + 1 < hops.size(); i++) {
                String from = hops.get(i);
                String to = hops.get(i + 1);
                if (from.equals(to)) {
                    continue; // a plain mailbox: => bob <bob@domain>
                }
                Map<String, String> file = valiases.get(domainOf(from));
                assertNotNull(file, "no valiases for " + from + ": " + line);
                String dest = file.containsKey(from) ? file.get(from) : file.get("*");
                assertTrue(Arrays.asList(dest.split(", ")).contains(to),
                        from + " -> " + to + " is not in etc/valiases (" + dest + "): " + line);
                checked++;
            }
        }
        assertTrue(checked > 100, "only " + checked + " forwarding hops checked");
        assertTrue(chains > 0, "no forwarder-to-forwarder chain in the log");
    }

    /** Adds the {@code +all_parents} list (nearest parent first) in routing order: outermost first. */
    private static void addParents(List<String> hops, String parents) {
        if (parents == null) {
            return;
        }
        List<String> p = Arrays.asList(parents.split(", "));
        for (int i = p.size() - 1; i >= 0; i--) {
            hops.add(p.get(i));
        }
    }
}
