package dev.waybill.trace;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The remote part of a trace: a domain's mail exchangers and their addresses, the way Exim's
 * dnslookup router finds them. MX records sorted by preference (RFC 5321 §5.1); no MX records
 * means the domain's own A/AAAA records act as one implicit MX; a single MX of {@code .} means the
 * domain takes no mail at all (null MX, RFC 7505). DNS failures become steps, never exceptions:
 * NXDOMAIN and no address fail, SERVFAIL and timeouts defer (Exim would retry).
 *
 * <p>A mail exchanger with an address of this server is Exim itself: it passes the mail only to
 * better ones (lower numbers), and when there is none, it would send the mail to itself, so it
 * holds it in the queue instead ("lowest numbered MX record points to local host", the router's
 * {@code self} option left at {@code freeze}).
 *
 * <p>One instance serves one trace: it remembers answers (a domain reached twice is looked up
 * once) and stops asking after {@link #MAX_LOOKUPS} queries or {@link #DNS_BUDGET} of waiting, so
 * a trace through a broken resolver still ends in seconds. Not thread-safe.
 */
final class RemoteRoute {

    static final int MAX_LOOKUPS = 60;
    static final Duration DNS_BUDGET = Duration.ofSeconds(15);
    /** Exim tries more, but a person reading the tree needs no more than this. */
    static final int MAX_HOSTS = 10;

    private final MxResolver resolver;
    private final Predicate<String> thisServer;
    private final Map<String, DnsAnswer> answers = new HashMap<>();
    private final long deadlineNanos;
    private int lookups;

    RemoteRoute(MxResolver resolver, Predicate<String> thisServer) {
        this.resolver = resolver;
        this.thisServer = thisServer;
        this.deadlineNanos = System.nanoTime() + DNS_BUDGET.toNanos();
    }

    /**
     * The route of {@code address} at the remote {@code domain}, through the given router.
     *
     * @param setting why this server sends the domain's mail away, in words (a file of cPanel's
     *     that lists it), or null when the domain is not hosted here
     */
    TraceNode route(String address, String domain, String router, String transport, String setting) {
        DnsAnswer mx = lookup(domain, DnsType.MX);
        switch (mx.outcome()) {
            case NXDOMAIN:
                return remote(address, router, transport, "the domain " + domain + " does not exist (DNS: NXDOMAIN)",
                        TraceStatus.FAILING, List.of());
            case NO_DATA:
                TraceNode implicit = host(domain, "implicit MX: no MX records, so the domain's own address"
                        + " is used (RFC 5321 §5.1)");
                if (isThisServer(implicit)) {
                    return remote(address, router, transport, toItself(domain, setting, false), TraceStatus.DEFERRED,
                            List.of(implicit));
                }
                return remote(address, router, transport, null, implicit.status(), List.of(implicit));
            case ANSWER:
                return exchangers(address, domain, router, transport, setting, mx.records());
            default:
                return remote(address, router, transport, "MX lookup failed: " + mx.message()
                        + "; Exim would keep the message and retry", statusOf(mx), List.of());
        }
    }

    private TraceNode exchangers(String address, String domain, String router, String transport, String setting,
            List<String> records) {
        List<Exchanger> hosts = new ArrayList<>();
        List<TraceNode> bad = new ArrayList<>();
        boolean nullMx = false;
        for (String record : records) {
            Exchanger e = Exchanger.parse(record);
            if (e == null) {
                bad.add(TraceNode.error(record, "a malformed MX record; ignored"));
            } else if (e.host().isEmpty()) {
                nullMx = true;
            } else {
                hosts.add(e);
            }
        }
        if (nullMx && hosts.isEmpty()) {
            return remote(address, router, transport, domain + " accepts no mail: its MX record is '.'"
                    + " (null MX, RFC 7505)", TraceStatus.FAILING, List.of());
        }
        hosts.sort(Comparator.comparingInt(Exchanger::preference).thenComparing(Exchanger::host));
        List<TraceNode> looked = new ArrayList<>();
        int self = Integer.MAX_VALUE; // the best priority at which this server is a mail exchanger
        for (int i = 0; i < hosts.size() && i < MAX_HOSTS; i++) {
            Exchanger e = hosts.get(i);
            TraceNode node = e.preference() >= self ? null : host(e.host(), "priority " + e.preference());
            if (node != null && isThisServer(node)) {
                self = e.preference();
            }
            looked.add(node);
        }
        List<TraceNode> children = new ArrayList<>(bad);
        List<TraceNode> used = new ArrayList<>(bad);
        for (int i = 0; i < looked.size(); i++) {
            Exchanger e = hosts.get(i);
            if (e.preference() < self) {
                children.add(looked.get(i));
                used.add(looked.get(i));
            } else {
                children.add(TraceNode.leaf(TraceKind.MX, e.host(), null, null, "priority " + e.preference()
                        + (looked.get(i) != null && isThisServer(looked.get(i)) ? "; this server" : "")
                        + "; not used: this server passes mail only to mail exchangers better than itself"
                        + " (lower numbers)", TraceStatus.UNKNOWN));
            }
        }
        if (hosts.size() > MAX_HOSTS) {
            TraceNode more = TraceNode.leaf(TraceKind.MX, "…", null, null, (hosts.size() - MAX_HOSTS)
                    + " more mail exchangers not looked up", TraceStatus.UNKNOWN);
            children.add(more);
            used.add(more);
        }
        if (self <= hosts.get(0).preference()) {
            return remote(address, router, transport, toItself(domain, setting, true), TraceStatus.DEFERRED, children);
        }
        String backup = self == Integer.MAX_VALUE ? null : "this server is a backup mail exchanger of " + domain
                + (setting == null ? "" : " (" + setting + ")") + ": it passes the mail on to the better ones";
        return remote(address, router, transport, backup, overall(used), children);
    }

    /** Where Exim would send a domain's mail to itself (its router's {@code self = freeze}). */
    private static String toItself(String domain, String setting, boolean mx) {
        return domain + " is not delivered on this server" + (setting == null ? "" : " (" + setting + ")")
                + ", yet its " + (mx ? "best mail exchanger" : "address") + " is this server: Exim would pass the"
                + " mail to itself, so it holds it in the queue (Exim: " + (mx ? "lowest numbered MX record points"
                + " to local host" : "remote host address is the local host") + "). Deliver the domain here, or point"
                + " its MX records at the server that should receive its mail";
    }

    /** True if one of a mail exchanger's addresses is this server's. */
    private boolean isThisServer(TraceNode exchanger) {
        for (TraceNode ip : exchanger.children()) {
            if (thisServer.test(ip.label())) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if {@code ip} is an address of one of this machine's network interfaces, the test Exim
     * makes. Anything but an IP address literal is not (and is never looked up).
     */
    static boolean isInterfaceAddress(String ip) {
        if (ip == null || ip.isEmpty() || !ip.matches("[0-9A-Fa-f:.]+")) {
            return false;
        }
        try {
            return NetworkInterface.getByInetAddress(InetAddress.getByName(ip)) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** A mail exchanger with its A and AAAA addresses. */
    private TraceNode host(String host, String detail) {
        if (!isHostName(host)) {
            return TraceNode.leaf(TraceKind.MX, host, null, null, detail + "; not a valid host name",
                    TraceStatus.FAILING);
        }
        DnsAnswer a = lookup(host, DnsType.A);
        DnsAnswer aaaa = a.outcome() == DnsAnswer.Outcome.NXDOMAIN ? a : lookup(host, DnsType.AAAA);
        List<TraceNode> ips = new ArrayList<>();
        for (String ip : a.records()) {
            ips.add(TraceNode.leaf(TraceKind.IP, ip, null, null, "A", TraceStatus.OK));
        }
        for (String ip : aaaa.records()) {
            ips.add(TraceNode.leaf(TraceKind.IP, ip, null, null, "AAAA", TraceStatus.OK));
        }
        if (!ips.isEmpty()) {
            return new TraceNode(TraceKind.MX, host, null, null, detail, TraceStatus.OK, ips);
        }
        DnsAnswer worst = a.outcome().isTemporary() ? a : aaaa;
        if (worst.outcome().isTemporary()) {
            return TraceNode.leaf(TraceKind.MX, host, null, null, detail + "; address lookup failed: "
                    + worst.message(), statusOf(worst));
        }
        String why = a.outcome() == DnsAnswer.Outcome.NXDOMAIN ? "the host does not exist (NXDOMAIN)"
                : "the host has no A or AAAA record";
        return TraceNode.leaf(TraceKind.MX, host, null, null, detail + "; " + why, TraceStatus.FAILING);
    }

    private static TraceNode remote(String address, String router, String transport, String detail,
            TraceStatus status, List<TraceNode> children) {
        return new TraceNode(TraceKind.REMOTE, address, router, transport, detail, status, children);
    }

    /** OK if any exchanger can be reached; else deferred if any might be later; else failing. */
    private static TraceStatus overall(List<TraceNode> exchangers) {
        boolean deferred = false;
        boolean unknown = false;
        for (TraceNode n : exchangers) {
            if (n.status() == TraceStatus.OK) {
                return TraceStatus.OK;
            }
            deferred |= n.status() == TraceStatus.DEFERRED;
            unknown |= n.status() == TraceStatus.UNKNOWN;
        }
        return deferred ? TraceStatus.DEFERRED : unknown ? TraceStatus.UNKNOWN : TraceStatus.FAILING;
    }

    private static TraceStatus statusOf(DnsAnswer answer) {
        return answer.outcome().isTemporary() ? TraceStatus.DEFERRED : TraceStatus.FAILING;
    }

    private DnsAnswer lookup(String name, DnsType type) {
        String key = type + " " + name;
        DnsAnswer known = answers.get(key);
        if (known != null) {
            return known;
        }
        DnsAnswer answer;
        if (lookups >= MAX_LOOKUPS || System.nanoTime() - deadlineNanos > 0) {
            answer = DnsAnswer.failure(DnsAnswer.Outcome.TIMEOUT, "not asked: this trace already spent its"
                    + " DNS queries (" + MAX_LOOKUPS + ") or time (" + DNS_BUDGET.toSeconds() + " s)");
        } else {
            lookups++;
            try {
                answer = resolver.lookup(name, type);
            } catch (RuntimeException e) {
                // A resolver must not throw; one that does still may not break the trace.
                answer = DnsAnswer.failure(DnsAnswer.Outcome.ERROR, "DNS lookup failed: " + e);
            }
            if (answer == null) {
                answer = DnsAnswer.failure(DnsAnswer.Outcome.ERROR, "DNS lookup gave no answer");
            }
        }
        answers.put(key, answer);
        return answer;
    }

    private static boolean isHostName(String host) {
        try {
            return MailAddress.parse("x@" + host).domain().equals(host);
        } catch (InvalidAddressException e) {
            return false;
        }
    }

    /** One MX record: its preference and host ({@code ""} for the null MX's {@code .}). */
    record Exchanger(int preference, String host) {

        static Exchanger parse(String record) {
            String[] parts = record.strip().split("\\s+");
            if (parts.length != 2) {
                return null;
            }
            int preference;
            try {
                preference = Integer.parseInt(parts[0]);
            } catch (NumberFormatException e) {
                return null;
            }
            if (preference < 0 || preference > 65535) {
                return null;
            }
            String host = parts[1].toLowerCase(Locale.ROOT);
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            return new Exchanger(preference, host);
        }
    }
}
