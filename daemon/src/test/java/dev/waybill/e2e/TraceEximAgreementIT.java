package dev.waybill.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.trace.AddressTracer;
import dev.waybill.trace.DnsAnswer;
import dev.waybill.trace.DnsType;
import dev.waybill.trace.TraceKind;
import dev.waybill.trace.TraceNode;
import dev.waybill.trace.TraceStatus;
import dev.waybill.trace.TraceText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our trace agrees with Exim's own address test, {@code exim -bt}, on a cPanel-like configuration
 * ({@code e2e/trace-exim.conf.template}) over {@link FakeCpanelRoot}'s files: for each final
 * outcome — a mailbox, a remote route, a {@code :fail:} with its text, a discard, a
 * {@code :defer:}, a pipe, an unroutable address — both name the same address, router and
 * transport.
 *
 * <p>Remote routes are compared by router and transport only: Exim here has no DNS (its
 * remote router is a manualroute to a fixed address, and it cannot be pointed at a test DNS
 * server without changing the system's resolv.conf), so MX hosts are tested apart, against a
 * test DNS server, in {@code AddressTracerTest}. Domain filters are left out: Exim would run the
 * filter on an empty message, which says nothing about real mail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceEximAgreementIT {

    private Path work;
    private PrivateExim exim;
    private AddressTracer tracer;

    @BeforeAll
    void configureExim() throws IOException {
        work = Files.createTempDirectory("waybill-trace-it-");
        Path root = work.resolve("root");
        FakeCpanelRoot.write(root);
        Files.writeString(root.resolve("etc/valiases/example.com"), """
                pipe@example.com: |/usr/bin/true
                later@example.com: :defer: Mailbox moving
                mixed@example.com: alice@example.com, :fail: No, not you
                loop1@example.com: loop2@example.com
                loop2@example.com: loop1@example.com
                self@example.com: self@example.com
                dave@example.com: dave@example.com, ok-dave@ok.sink.test
                Upper@Example.COM: alice@example.com
                shout@example.com: ALICE@EXAMPLE.COM
                wholequoted@example.com: "alice@example.com"
                quoted@example.com: "john smith"@example.com
                ring1@example.com: ring2@example.com
                ring2@example.com: ring3@example.com
                ring3@example.com: ring1@example.com
                toshop@example.com: ghost@shop.test
                tofail@example.com: ghost@fail.test
                blacklist@example.com: alice@example.com, :blackhole:, ok-x@ok.sink.test
                blackfirst@example.com: :blackhole:, |/usr/bin/true
                deferlist@example.com: alice@example.com, sales@example.com, :defer: Moving servers
                dotted@example.com: alice@example.com, bob@example.com.
                slashed@example.com: alice@example.com, y@exa/mple.com
                twice@example.com: bob@example.com, sales@example.com, ok-x@ok.sink.test, ok-x@ok.sink.test
                pair@example.com: alice@example.com, bob@example.com
                pairs@example.com: pair@example.com, pair@example.com, alice@example.com
                cased@example.com: bob@example.com, BOB@example.com
                sales+vip@example.com: alice@example.com
                toplus@example.com: bob+lists@example.com
                """ + deepChain(AddressTracer.MAX_DEPTH + 2), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(root.resolve("etc/valiases/example.com"), """
                """, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(root.resolve("etc/valiases/shop.test"), "*: carol@shop.test\n", StandardCharsets.UTF_8);
        Files.writeString(root.resolve("home/exampleco/etc/example.com/passwd"),
                "dave:x:1001:1001::/home/exampleco/mail/example.com/dave:/usr/local/cpanel/bin/noshell\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(root.resolve("etc/localdomains"), "fail.test\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Files.writeString(root.resolve("etc/userdomains"), "fail.test: shopuser\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Files.createDirectories(root.resolve("home/shopuser/etc/fail.test"));
        Files.writeString(root.resolve("home/shopuser/etc/fail.test/passwd"), "", StandardCharsets.UTF_8);
        Files.writeString(root.resolve("etc/valiases/fail.test"), "*: :fail: No Such User Here\n",
                StandardCharsets.UTF_8);
        exim = PrivateExim.configure(work, "/e2e/trace-exim.conf.template",
                Map.of("WORK", work.toString(), "CPANEL_ROOT", root.toString()), "");
        Files.createDirectories(work.resolve("mail"));
        exim.grantAccess();
        // No DNS in this test: every remote domain "exists without MX" and has the address Exim's
        // manualroute sends to; only routers are compared.
        tracer = new AddressTracer(root, (name, type) -> DnsAnswer.of(type != DnsType.A ? List.of()
                : name.equals("self.test") ? List.of("127.0.0.1") : List.of("192.0.2.99")));
    }

    /** {@code deep1 -> deep2 -> ... -> deepN -> alice}: N forwarders in a row. */
    private static String deepChain(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("deep").append(i).append("@example.com: ")
                    .append(i == n ? FakeCpanelRoot.ALICE : "deep" + (i + 1) + "@example.com").append('\n');
        }
        return sb.toString();
    }

    @AfterAll
    void removeWork() throws IOException {
        if (exim != null) {
            exim.close();
        }
        if (work != null) {
            try (Stream<Path> tree = Files.walk(work)) {
                for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        FakeCpanelRoot.ALICE,            // a mailbox
        FakeCpanelRoot.SALES,            // a forwarder to a mailbox
        FakeCpanelRoot.CHAIN,            // two forwarders
        FakeCpanelRoot.TEAM,             // a local and a remote target
        FakeCpanelRoot.PARTNERS,         // a forwarder to a remote address
        FakeCpanelRoot.NOWHERE,          // :fail: with its text
        FakeCpanelRoot.TRASH,            // :blackhole:
        "pipe@example.com",              // a pipe
        "later@example.com",             // :defer:
        "mixed@example.com",             // a mailbox and a :fail: whose text has a comma
        "loop1@example.com",             // a loop of forwarders
        "nobody@example.com",            // no mailbox, no default address
        "anyone@shop.test",              // the * default address
        "someone@elsewhere.test",        // a remote domain
        "self@example.com",              // a forwarder to itself, no mailbox
        "dave@example.com",              // a forwarder to itself and away: the mailbox keeps a copy
        "upper@example.com",             // the forwarder's key written in upper case
        "ALICE@Example.COM",             // upper case in the address traced
        "Sales@EXAMPLE.com",
        "shout@example.com",             // a target in upper case
        "wholequoted@example.com",       // a target in double quotes
        "ring1@example.com",             // a ring of three forwarders
        "quoted@example.com",            // a target with a quoted local part
        "\"john smith\"@example.com",     // a quoted local part traced
        "toshop@example.com",            // into another domain's * default
        "tofail@example.com",            // into a * default that is :fail:
        "anyone@fail.test",              // the * default is :fail:
        "Someone@Elsewhere.TEST",        // a remote domain in upper case
        "a..b@example.com",              // odd dots in the local part
        ".alice@example.com",
        "alice.@example.com",
        "blacklist@example.com",         // :blackhole: among other targets: all is discarded
        "blackfirst@example.com",
        "deferlist@example.com",         // :defer: among other targets: all waits
        "twice@example.com",             // the same targets twice: one copy each
        "pairs@example.com",
        "cased@example.com",             // the same mailbox in two cases: two copies
        "alice+news@example.com",        // plus addressing: alice's mailbox
        "Alice+a+b@example.com",         // split at the first '+'
        "alice+@example.com",
        "+news@example.com",             // nothing before the '+'
        "ghost+news@example.com",        // no such mailbox
        "sales+vip@example.com",         // a forwarder for the whole local part
        "sales+news@example.com",        // forwarders take no plus addressing
        "toplus@example.com",            // a forwarder to a plus address
    })
    void trace_agreesWithEximAddressTest(String address) throws Exception {
        CommandResult bt = exim.addressTest(address);
        TraceNode tree = tracer.trace(address, user -> true);
        // Without case: the trace shows a domain in lower case, Exim as it was written.
        List<String> expected = eximOutcomes(bt.stdout()).stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
        assertFalse(expected.isEmpty(), () -> "exim -bt said nothing we understand:\n" + bt.describe());
        assertEquals(expected, ourOutcomes(tree).stream().map(o -> o.toLowerCase(Locale.ROOT)).toList(),
                () -> "exim -bt " + address + ":\n" + bt.describe() + "\nour trace:\n" + TraceText.render(tree));
    }

    @Test
    void trace_chainLongerThanItFollows_isUnknownWhereEximDelivers() throws Exception {
        int forwarders = AddressTracer.MAX_DEPTH + 2;
        CommandResult bt = exim.addressTest("deep1@example.com");
        assertEquals(List.of("route alice@example.com virtual_user dovecot_virtual_delivery"),
                eximOutcomes(bt.stdout()).stream().map(o -> o.substring(0, o.indexOf(" <-- "))).toList(),
                bt::describe);
        assertEquals(forwarders, bt.stdout().split("<-- ", -1).length - 1, bt::describe);
        TraceNode tree = tracer.trace("deep1@example.com", user -> true);
        assertEquals(TraceStatus.UNKNOWN, tree.status(), () -> TraceText.render(tree));
    }

    @Test
    void trace_trailingDotOnTheDomain_isRefusedAsEximRefusesIt() throws Exception {
        CommandResult bt = exim.addressTest("alice@example.com.");
        assertEquals(2, bt.exitCode(), bt::describe);
        assertTrue((bt.stdout() + bt.stderr()).contains("domain missing or malformed"), bt::describe);
        TraceNode tree = tracer.trace("alice@example.com.", user -> true);
        assertEquals(TraceKind.ERROR, tree.kind(), () -> TraceText.render(tree));
        assertEquals(TraceStatus.FAILING, tree.status());
        assertTrue(tree.detail().contains("domain missing or malformed"), tree::detail);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dotted@example.com", "slashed@example.com"})
    void trace_forwarderWithAMalformedTarget_defersAsEximDefers(String address) throws Exception {
        CommandResult bt = exim.addressTest(address);
        assertEquals(List.of("defer " + address), eximOutcomes(bt.stdout()).stream()
                .map(o -> o.substring(0, o.indexOf(':'))).toList(), bt::describe);
        assertTrue(bt.stdout().contains("error in redirect data"), bt::describe);
        TraceNode tree = tracer.trace(address, user -> true);
        assertEquals(TraceStatus.DEFERRED, tree.status(), () -> TraceText.render(tree));
        assertEquals(List.of(TraceKind.DEFER), tree.children().stream().map(TraceNode::kind).toList(),
                () -> TraceText.render(tree));
    }

    @Test
    void trace_domainWhoseMailExchangerIsThisServer_defersAsEximDefers() throws Exception {
        CommandResult bt = exim.addressTest("someone@self.test");
        assertEquals(List.of("defer someone@self.test: remote host address is the local host"),
                eximOutcomes(bt.stdout()), bt::describe);
        TraceNode tree = tracer.trace("someone@self.test", user -> true);
        assertEquals(TraceStatus.DEFERRED, tree.status(), () -> TraceText.render(tree));
        assertTrue(tree.detail().contains("remote host address is the local host"), tree::detail);
    }

    /** One line per final outcome of {@code exim -bt} output, sorted. */
    static List<String> eximOutcomes(String output) {
        List<String> out = new ArrayList<>();
        String[] lines = output.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() || Character.isWhitespace(line.charAt(0))) {
                continue;
            }
            String parents = parents(lines, i);
            if (line.contains(" is undeliverable: ")) {
                out.add("fail " + line.replace(" is undeliverable: ", ": ") + parents);
            } else if (line.contains(" cannot be resolved at this time: ")) {
                out.add("defer " + line.replace(" cannot be resolved at this time: ", ": ") + parents);
            } else if (line.startsWith("mail to ") && line.endsWith(" is discarded")) {
                out.add("discard " + line.substring(8, line.length() - 13) + parents);
            } else if (line.contains(" -> ")) {
                out.add("pipe " + line + " " + following(lines, i, "transport = ") + parents);
            } else {
                String routed = following(lines, i, "router = ");
                out.add("route " + line.strip() + " " + routed.replace("router = ", "").replace(", transport = ", " ")
                        + parents);
            }
        }
        out.sort(null);
        return out;
    }

    /** The {@code <-- parent} lines of the block at {@code lines[i]}, nearest first, as {@code " <-- a <-- b"}. */
    private static String parents(String[] lines, int i) {
        StringBuilder sb = new StringBuilder();
        for (int j = i + 1; j < lines.length && !lines[j].isEmpty() && Character.isWhitespace(lines[j].charAt(0)); j++) {
            if (lines[j].strip().startsWith("<-- ")) {
                sb.append(' ').append(lines[j].strip());
            }
        }
        return sb.toString();
    }

    /** The first indented line after {@code lines[i]} (in the same block) that starts with {@code prefix}. */
    private static String following(String[] lines, int i, String prefix) {
        for (int j = i + 1; j < lines.length && !lines[j].isEmpty() && Character.isWhitespace(lines[j].charAt(0)); j++) {
            if (lines[j].strip().startsWith(prefix)) {
                return lines[j].strip();
            }
        }
        return "(no " + prefix.strip() + ")";
    }

    /** Our tree's final outcomes in the same words. */
    static List<String> ourOutcomes(TraceNode tree) {
        List<String> out = new ArrayList<>();
        collect(tree, List.of(), out);
        out.sort(null);
        return out;
    }

    /** {@code forwarders}: the forwarders above {@code node}, nearest first. */
    private static void collect(TraceNode node, List<String> forwarders, List<String> out) {
        String parent = forwarders.isEmpty() ? null : forwarders.get(0);
        String above = arrows(forwarders);
        String aboveParent = arrows(forwarders.subList(Math.min(1, forwarders.size()), forwarders.size()));
        switch (node.kind()) {
            case FORWARDER:
                List<String> more = new ArrayList<>();
                more.add(node.label());
                more.addAll(forwarders);
                for (TraceNode child : node.children()) {
                    collect(child, more, out);
                }
                break;
            case FILTER:
            case INCLUDE:
                for (TraceNode child : node.children()) {
                    collect(child, forwarders, out);
                }
                break;
            case MAILBOX:
            case REMOTE:
                out.add("route " + node.label() + " " + node.router() + " " + node.transport() + above);
                break;
            case DUPLICATE:
                out.add("route " + node.label() + "   [duplicate, would not be delivered] " + node.router() + " "
                        + node.transport() + above);
                break;
            case FAIL:
                out.add("fail " + (node.router() == null ? node.label() + ": Unrouteable address" + above
                        : parent + ": " + node.detail() + aboveParent));
                break;
            case DEFER:
                out.add("defer " + parent + ": " + node.detail() + aboveParent);
                break;
            case DISCARD:
                out.add("discard " + parent + aboveParent);
                break;
            case PIPE:
                out.add("pipe " + parent + " -> " + node.label() + " transport = " + node.transport() + aboveParent);
                break;
            default:
                out.add(node.kind().jsonName() + " " + node.label() + ": " + node.detail());
        }
    }

    private static String arrows(List<String> addresses) {
        StringBuilder sb = new StringBuilder();
        for (String a : addresses) {
            sb.append(" <-- ").append(a);
        }
        return sb.toString();
    }
}
