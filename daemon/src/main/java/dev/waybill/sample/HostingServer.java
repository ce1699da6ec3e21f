package dev.waybill.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The fake shared-hosting server the log is written for: its cPanel accounts, their domains,
 * mailboxes and forwarders, and the reseller that owns each account.
 *
 * <p>The same model decides how Exim would route a local address in the log and is written out
 * as a cPanel root ({@link #writeCpanelRoot}), so the log and the account files agree.
 */
final class HostingServer {

    /** What a domain's {@code *:} line in {@code /etc/valiases/<domain>} does with unknown local parts. */
    enum CatchAll { FAIL, BLACKHOLE, MAILBOX }

    static final String FAIL_TEXT = "No Such User Here";

    static final class Account {
        final String user;
        String owner = "root";
        boolean reseller;
        final List<Domain> domains = new ArrayList<>();
        final int uid;

        Account(String user, int uid) {
            this.user = user;
            this.uid = uid;
        }

        Domain primary() {
            return domains.get(0);
        }
    }

    /** One forwarder: {@code alias@domain: dest, dest} or {@code alias@domain: :blackhole:}. */
    static final class Forwarder {
        final String localPart;
        final String address;
        /** Full destination addresses; empty for {@code :blackhole:}. */
        final String[] destinations;

        Forwarder(String localPart, String domain, String[] destinations) {
            this.localPart = localPart;
            this.address = localPart + "@" + domain;
            this.destinations = destinations;
        }

        boolean blackhole() {
            return destinations.length == 0;
        }
    }

    static final class Domain {
        final String name;
        final Account account;
        final List<String> mailboxes = new ArrayList<>();
        final List<Forwarder> forwarders = new ArrayList<>();
        CatchAll catchAll = CatchAll.FAIL;
        String catchAllMailbox;

        Domain(String name, Account account) {
            this.name = name;
            this.account = account;
        }

        Forwarder forwarder(String localPart) {
            for (Forwarder f : forwarders) {
                if (f.localPart.equals(localPart)) {
                    return f;
                }
            }
            return null;
        }

        boolean hasMailbox(String localPart) {
            return mailboxes.contains(localPart);
        }
    }

    final String hostname;
    final List<Account> accounts = new ArrayList<>();
    final List<Domain> domains = new ArrayList<>();
    private final Map<String, Domain> byName = new HashMap<>();

    HostingServer(int accountCount, SplittableRandom r, RemoteWorld world) {
        this.hostname = "server" + (1 + r.nextInt(40)) + "."
                + Words.pick(r, Words.BIZ_A) + "hosting" + (r.nextBoolean() ? ".com" : ".net");
        Set<String> taken = new HashSet<>();
        Set<String> users = new HashSet<>();
        for (int i = 0; i < accountCount; i++) {
            String primary = newDomainName(r, taken);
            Account a = new Account(userFor(primary, users), 1000 + i);
            accounts.add(a);
            addDomain(a, primary);
            // Addon and parked domains: most accounts have one domain, some several.
            int extra = r.nextInt(100) < 70 ? 0 : 1 + r.nextInt(r.nextInt(100) < 80 ? 2 : 5);
            for (int k = 0; k < extra; k++) {
                addDomain(a, newDomainName(r, taken));
            }
            if (r.nextInt(100) < 10) {
                addDomain(a, (r.nextBoolean() ? "shop." : "blog.") + primary);
            }
        }
        assignResellers(r);
        for (Domain d : domains) {
            populate(d, r, world);
        }
    }

    private void addDomain(Account a, String name) {
        Domain d = new Domain(name, a);
        a.domains.add(d);
        domains.add(d);
        byName.put(name, d);
    }

    /** About one account in twenty is a reseller; a third of the other accounts belong to one. */
    private void assignResellers(SplittableRandom r) {
        List<Account> resellers = new ArrayList<>();
        for (Account a : accounts) {
            if (accounts.size() >= 5 && r.nextInt(20) == 0) {
                a.reseller = true;
                resellers.add(a);
            }
        }
        if (resellers.isEmpty() && accounts.size() >= 3) {
            Account a = accounts.get(0);
            a.reseller = true;
            resellers.add(a);
        }
        for (Account a : accounts) {
            if (!a.reseller && !resellers.isEmpty() && r.nextInt(3) == 0) {
                a.owner = resellers.get(r.nextInt(resellers.size())).user;
            }
        }
    }

    private static void populate(Domain d, SplittableRandom r, RemoteWorld world) {
        // Mailboxes: a role address or two and a few people.
        int people = 1 + r.nextInt(r.nextInt(100) < 85 ? 4 : 25);
        d.mailboxes.add(Words.pick(r, Words.ROLES));
        for (int i = 0; i < people; i++) {
            String lp = personLocalPart(r);
            if (!d.mailboxes.contains(lp)) {
                d.mailboxes.add(lp);
            }
        }
        // Forwarders of every kind cPanel users set up.
        int n = r.nextInt(100) < 60 ? r.nextInt(3) : 2 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            String lp = Words.pick(r, Words.ROLES);
            if (d.hasMailbox(lp) || d.forwarder(lp) != null) {
                continue;
            }
            int kind = r.nextInt(100);
            String[] dest;
            if (kind < 40) {
                dest = new String[] {world.freemailAddress(r)};
            } else if (kind < 70) {
                dest = new String[] {d.mailboxes.get(r.nextInt(d.mailboxes.size())) + "@" + d.name};
            } else if (kind < 80 && d.mailboxes.size() > 1) {
                dest = new String[] {d.mailboxes.get(0) + "@" + d.name,
                    d.mailboxes.get(1) + "@" + d.name};
            } else if (kind < 90 && !d.forwarders.isEmpty()) {
                // A forwarder to another forwarder: Exim logs the whole chain with +all_parents.
                Forwarder next = d.forwarders.get(r.nextInt(d.forwarders.size()));
                if (next.blackhole()) {
                    continue;
                }
                dest = new String[] {next.address};
            } else {
                dest = new String[0];
            }
            d.forwarders.add(new Forwarder(lp, d.name, dest));
        }
        int c = r.nextInt(100);
        if (c < 8) {
            d.catchAll = CatchAll.MAILBOX;
            d.catchAllMailbox = d.mailboxes.get(0);
        } else if (c < 12) {
            d.catchAll = CatchAll.BLACKHOLE;
        }
    }

    static String personLocalPart(SplittableRandom r) {
        String f = Words.pick(r, Words.FIRST);
        switch (r.nextInt(4)) {
            case 0:
                return f;
            case 1:
                return f + "." + Words.pick(r, Words.LAST);
            case 2:
                return f.charAt(0) + Words.pick(r, Words.LAST);
            default:
                return f + Words.pick(r, Words.LAST).charAt(0);
        }
    }

    private static String newDomainName(SplittableRandom r, Set<String> taken) {
        while (true) {
            String a = Words.pick(r, Words.BIZ_A);
            String b = Words.pick(r, Words.BIZ_B);
            String sep = r.nextInt(5) == 0 ? "-" : "";
            String tail = r.nextInt(4) == 0 ? Words.pick(r, Words.LAST) : "";
            String name = a + sep + b + tail + Words.pick(r, Words.LOCAL_TLDS);
            if (taken.add(name)) {
                return name;
            }
        }
    }

    /** cPanel derives the user name from the domain: its first letters, at most 8, made unique. */
    private static String userFor(String domain, Set<String> users) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < domain.length() && sb.length() < 8; i++) {
            char c = domain.charAt(i);
            if (c == '.') {
                break;
            }
            if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' && sb.length() > 0) {
                sb.append(c);
            }
        }
        String base = sb.toString();
        String user = base;
        for (int n = 1; !users.add(user); n++) {
            String suffix = Integer.toString(n);
            user = base.substring(0, Math.min(base.length(), 8 - suffix.length())) + suffix;
        }
        return user;
    }

    /** The local domain called {@code name}, or null when it is not hosted here. */
    Domain domain(String name) {
        return byName.get(name);
    }

    /**
     * Routes a local address as cPanel's Exim would: mailbox, forwarder (followed to its end, at
     * most a few levels), or the domain's {@code *:} line. Appends one {@link Leg} per final
     * destination to {@code out}. {@code parents} lists the forwarders passed through, nearest
     * first, as {@code +all_parents} logs them; null at the top.
     */
    void route(String top, String parents, String localPart, Domain d, RemoteWorld world,
            List<Leg> out, int depth) {
        if (d.hasMailbox(localPart)) {
            out.add(Leg.local(top, parents, localPart, d));
            return;
        }
        Forwarder f = d.forwarder(localPart);
        if (f != null) {
            if (f.blackhole()) {
                out.add(Leg.blackhole(top, parents));
                return;
            }
            String via = top.equals(f.address) ? parents
                    : parents == null ? f.address : f.address + ", " + parents;
            for (String dest : f.destinations) {
                int at = dest.indexOf('@');
                Domain local = domain(dest.substring(at + 1));
                if (local == null) {
                    out.add(Leg.remote(top, via, dest, world.domainOf(dest.substring(at + 1))));
                } else if (depth < 5) {
                    route(top, via, dest.substring(0, at), local, world, out, depth + 1);
                }
            }
            return;
        }
        switch (d.catchAll) {
            case MAILBOX:
                out.add(Leg.local(top, parents, d.catchAllMailbox, d));
                break;
            case BLACKHOLE:
                out.add(Leg.blackhole(top, parents));
                break;
            default:
                out.add(Leg.failAlias(top, parents));
                break;
        }
    }

    /**
     * Writes the account files of this server under {@code root} (which stands for {@code /}):
     * {@code etc/userdomains}, {@code etc/trueuserdomains}, {@code etc/domainusers},
     * {@code etc/trueuserowners}, {@code etc/localdomains}, {@code var/cpanel/users/<user>} and
     * {@code etc/valiases/<domain>}. Each account was created ({@code STARTDATE}) two days or more
     * before {@code firstLineSeconds}, the log's first line, so that all of its mail is its own
     * whatever the time zone the log is read in.
     */
    void writeCpanelRoot(Path root, long firstLineSeconds) {
        try {
            Path etc = Files.createDirectories(root.resolve("etc"));
            Path valiases = Files.createDirectories(etc.resolve("valiases"));
            Path users = Files.createDirectories(root.resolve("var/cpanel/users"));
            StringBuilder userdomains = new StringBuilder();
            StringBuilder trueuserdomains = new StringBuilder();
            StringBuilder domainusers = new StringBuilder();
            StringBuilder owners = new StringBuilder();
            StringBuilder localdomains = new StringBuilder().append(hostname).append('\n');
            for (Account a : accounts) {
                trueuserdomains.append(a.primary().name).append(": ").append(a.user).append('\n');
                domainusers.append(a.user).append(": ").append(a.primary().name).append('\n');
                owners.append(a.user).append(": ").append(a.owner).append('\n');
                StringBuilder file = new StringBuilder();
                file.append("BWLIMIT=unlimited\n");
                file.append("CONTACTEMAIL=").append(a.primary().mailboxes.get(0)).append('@')
                        .append(a.primary().name).append('\n');
                file.append("DNS=").append(a.primary().name).append('\n');
                for (int i = 1; i < a.domains.size(); i++) {
                    file.append("DNS").append(i).append('=').append(a.domains.get(i).name).append('\n');
                }
                file.append("FEATURELIST=default\n");
                file.append("MAXPOP=unlimited\n");
                file.append("OWNER=").append(a.owner).append('\n');
                file.append("PLAN=").append(a.reseller ? "reseller" : "default").append('\n');
                file.append("RS=jupiter\n");
                file.append("STARTDATE=").append(Math.max(0, firstLineSeconds - 86400L * (2 + (a.uid - 1000) % 365)))
                        .append('\n');
                file.append("USER=").append(a.user).append('\n');
                write(users.resolve(a.user), file);
                for (Domain d : a.domains) {
                    userdomains.append(d.name).append(": ").append(a.user).append('\n');
                    localdomains.append(d.name).append('\n');
                    write(valiases.resolve(d.name), valiasesOf(d));
                }
            }
            userdomains.append("*: nobody\n");
            write(etc.resolve("userdomains"), userdomains);
            write(etc.resolve("trueuserdomains"), trueuserdomains);
            write(etc.resolve("domainusers"), domainusers);
            write(etc.resolve("trueuserowners"), owners);
            write(etc.resolve("localdomains"), localdomains);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fake cPanel root " + root, e);
        }
    }

    private static StringBuilder valiasesOf(Domain d) {
        StringBuilder sb = new StringBuilder();
        for (Forwarder f : d.forwarders) {
            sb.append(f.address).append(": ");
            if (f.blackhole()) {
                sb.append(":blackhole:");
            } else {
                sb.append(String.join(", ", f.destinations));
            }
            sb.append('\n');
        }
        switch (d.catchAll) {
            case MAILBOX:
                sb.append("*: ").append(d.catchAllMailbox).append('@').append(d.name).append('\n');
                break;
            case BLACKHOLE:
                sb.append("*: :blackhole:\n");
                break;
            default:
                sb.append("*: :fail: ").append(FAIL_TEXT).append('\n');
                break;
        }
        return sb;
    }

    private static void write(Path file, CharSequence text) throws IOException {
        Files.write(file, text.toString().getBytes(StandardCharsets.US_ASCII));
    }
}
