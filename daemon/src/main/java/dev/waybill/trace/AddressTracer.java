package dev.waybill.trace;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.account.DomainForwarders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Traces the route of an address on this server, as cPanel's Exim would route it, from the
 * account files under a root directory and the DNS.
 *
 * <p>The route of an address on a local domain, in Exim's router order: the domain filter
 * ({@code etc/vfilters/<domain>}, shown as a step; its rules need a message to decide), the
 * address's own forwarder ({@code etc/valiases/<domain>}), its mailbox
 * ({@code <home>/etc/<domain>/passwd}, the home from {@code etc/passwd} or {@code /home/<user>}),
 * the domain's {@code *} default address, else "no such mailbox". A mailbox takes plus addressing,
 * as on cPanel 58 and later: {@code user+tag} is the mailbox {@code user} (forwarders are looked up
 * with the whole local part). A forwarder's targets are
 * traced in turn: addresses, {@code :fail:}, {@code :defer:}, {@code :blackhole:}, pipes, files,
 * {@code :include:} lists and bare account names. Any other domain is remote: its MX hosts and
 * their addresses (see {@link RemoteRoute}), this server among them when it is a backup MX
 * ({@code etc/secondarymx}), or when the domain's mail would come back to it.
 *
 * <p>Loops end as in Exim: a router is not used again for an address it already handled higher
 * up the same chain. So {@code a → b → a} goes round once more through {@code virtual_aliases}
 * (its {@code lsearch*} finds a's own line too), then ends at a's mailbox or fails. A trace stops at
 * {@link #MAX_DEPTH} forwarders in a row and {@link #MAX_STEPS} steps; where it stops, the route is
 * {@link TraceStatus#UNKNOWN}, not failing (Exim follows longer chains).
 *
 * <p>Visibility: an address whose domain belongs to an account the caller may not see is one
 * {@link TraceKind#HIDDEN} step; no forwarder target or mailbox of that account appears. Remote
 * routes are always shown. A local domain owned by no account counts as root's.
 *
 * <p>Every trace reads the files again (a user who just changed a forwarder sees the change).
 * Thread-safe; a trace never throws for bad input or unreadable files, it reports them as
 * {@link TraceKind#ERROR} steps.
 */
public final class AddressTracer {

    /** Forwarders in a row before the trace gives up; Exim itself allows more. */
    public static final int MAX_DEPTH = 10;
    /** Steps in one tree before the trace stops adding more. */
    public static final int MAX_STEPS = 500;
    /** Longest text (a :fail: message, a command) kept in a step. */
    static final int MAX_TEXT = 500;

    private final Path root;
    private final MxResolver resolver;
    private final Predicate<String> thisServer;

    /**
     * @param cpanelRoot where cPanel's files are: {@code /} on a server, a temporary tree in tests
     * @param resolver the DNS for remote domains
     */
    public AddressTracer(Path cpanelRoot, MxResolver resolver) {
        this(cpanelRoot, resolver, RemoteRoute::isInterfaceAddress);
    }

    /**
     * @param cpanelRoot where cPanel's files are: {@code /} on a server, a temporary tree in tests
     * @param resolver the DNS for remote domains
     * @param thisServer true for an IP address of this server, which Exim does not pass mail to
     *     (by default the addresses of this machine's network interfaces, as Exim finds them)
     */
    public AddressTracer(Path cpanelRoot, MxResolver resolver, Predicate<String> thisServer) {
        this.root = Objects.requireNonNull(cpanelRoot, "cpanelRoot");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.thisServer = Objects.requireNonNull(thisServer, "thisServer");
    }

    /**
     * The route of {@code address}, remote steps through {@code lookuphost}.
     *
     * @param visibleUser true for the cPanel accounts whose local routes the caller may see
     *     ({@code u -> true} for root)
     */
    public TraceNode trace(String address, Predicate<String> visibleUser) {
        return trace(address, null, visibleUser);
    }

    /**
     * The route of {@code address} for mail from {@code sender}: when the sender's domain has a
     * DKIM key, remote steps go through {@code dkim_lookuphost} and {@code dkim_remote_smtp}.
     *
     * @param sender the envelope sender, or null
     * @param visibleUser true for the cPanel accounts whose local routes the caller may see
     */
    public TraceNode trace(String address, String sender, Predicate<String> visibleUser) {
        Objects.requireNonNull(visibleUser, "visibleUser");
        String label = clip(address == null ? "" : address.strip());
        MailAddress parsed;
        try {
            parsed = MailAddress.parse(address);
        } catch (InvalidAddressException e) {
            return TraceNode.error(label, e.getMessage());
        }
        Run run;
        try {
            run = new Run(CpanelAccounts.read(root), CpanelMailFiles.read(root), visibleUser);
        } catch (IOException e) {
            return TraceNode.error(label, "cannot read cPanel's account files: " + e.getMessage());
        }
        run.dkim = sender != null && run.files.hasDkimKey(domainOf(sender));
        return duplicates(run.address(parsed, List.of(), 0), new HashSet<>());
    }

    /**
     * The tree with every delivery to an address that another route already delivers to marked
     * {@link TraceKind#DUPLICATE}: Exim delivers one copy per address (spec 3.11; the address as
     * written, so {@code BOB@} and {@code bob@} are two). Which copy counts follows Exim's order:
     * it routes the addresses a forwarder makes from the last to the first, each one's own
     * targets before the next, so the tree is walked depth first from the last child.
     */
    private static TraceNode duplicates(TraceNode node, Set<String> delivered) {
        boolean delivery = (node.kind() == TraceKind.MAILBOX || node.kind() == TraceKind.REMOTE)
                && node.status() == TraceStatus.OK;
        if (delivery) {
            return delivered.add(node.label()) ? node : TraceNode.leaf(TraceKind.DUPLICATE, node.label(), node.router(),
                    node.transport(), "another route of this trace delivers to the same address: it gets one copy",
                    TraceStatus.OK);
        }
        List<TraceNode> children = new ArrayList<>(node.children());
        boolean changed = false;
        for (int i = children.size() - 1; i >= 0; i--) {
            TraceNode marked = duplicates(children.get(i), delivered);
            changed |= marked != children.get(i);
            children.set(i, marked);
        }
        return changed ? new TraceNode(node.kind(), node.label(), node.router(), node.transport(), node.detail(),
                node.status(), children) : node;
    }

    /** One trace: the files as read for it, the DNS answers it had, the steps it made. */
    private final class Run {
        final CpanelAccounts accounts;
        final CpanelMailFiles files;
        final Predicate<String> visible;
        final RemoteRoute remote = new RemoteRoute(resolver, thisServer);
        boolean dkim;
        int steps;

        Run(CpanelAccounts accounts, CpanelMailFiles files, Predicate<String> visible) {
            this.accounts = accounts;
            this.files = files;
            this.visible = visible;
        }

        TraceNode address(MailAddress address, List<Hop> hops, int depth) {
            steps++;
            String label = address.toString();
            String domain = address.domain();
            if (!files.isLocal(domain, accounts)) {
                String setting = files.remoteSetting(domain);
                return dkim ? remote.route(label, domain, Routers.DKIM_REMOTE, Routers.DKIM_REMOTE_TRANSPORT, setting)
                        : remote.route(label, domain, Routers.REMOTE, Routers.REMOTE_TRANSPORT, setting);
            }
            String owner = accounts.ownerOfDomain(domain);
            if (!visible.test(owner == null ? "root" : owner)) {
                return TraceNode.leaf(TraceKind.HIDDEN, label, null, null,
                        "delivered inside another account: its route is not shown", TraceStatus.UNKNOWN);
            }
            try {
                boolean filtered = files.hasDomainFilter(domain)
                        && !handled(hops, address.key(), Routers.DOMAIN_FILTER);
                if (filtered) {
                    List<Hop> inner = with(hops, address.key(), Routers.DOMAIN_FILTER);
                    TraceNode next = local(address, owner, inner, depth);
                    return new TraceNode(TraceKind.FILTER, label, Routers.DOMAIN_FILTER, null,
                            "domain filter etc/vfilters/" + domain + ": it may discard, redirect or fail the"
                                    + " message, depending on the message; if it does not, the route goes on",
                            worst(List.of(next)), List.of(next));
                }
                return local(address, owner, hops, depth);
            } catch (IOException e) {
                return TraceNode.error(label, "cannot read the routing files of " + domain + ": " + e.getMessage());
            }
        }

        /** Forwarder, mailbox, default address, or no such mailbox. */
        private TraceNode local(MailAddress address, String owner, List<Hop> hops, int depth) throws IOException {
            String label = address.toString();
            String domain = address.domain();
            DomainForwarders forwarders = accounts.forwarders(domain);
            String file = "etc/valiases/" + domain;
            List<String> own = forwarders.exact(address.key());
            boolean looped = false;
            if (own != null && !own.isEmpty()) {
                if (!handled(hops, address.key(), Routers.FORWARDER)) {
                    return forwarder(label, Routers.FORWARDER, "forwarder in " + file, own,
                            with(hops, address.key(), Routers.FORWARDER), owner, depth);
                }
                looped = true;
            }
            // cPanel's virtual_user takes plus addressing (local_part_suffix = +*): user+tag is the
            // mailbox user, and Dovecot files the mail in its folder tag when there is one.
            int plus = address.localPart().indexOf('+');
            String name = plus < 0 ? address.localPart() : address.localPart().substring(0, plus);
            CpanelMailFiles.Mailbox box = owner == null || name.isEmpty() ? null : files.mailbox(owner, domain, name);
            if (box != null) {
                String where = box.directory() == null ? "mailbox " + box.name() : "mailbox " + box.directory();
                if (plus >= 0) {
                    where += ", into its folder \"" + address.localPart().substring(plus + 1)
                            + "\" if there is one, else the inbox (plus addressing)";
                }
                return TraceNode.leaf(TraceKind.MAILBOX, label, Routers.MAILBOX, Routers.MAILBOX_TRANSPORT,
                        looped ? where + " (the forwarders loop back here, so Exim delivers to the mailbox)" : where,
                        TraceStatus.OK);
            }
            // virtual_aliases looks up with lsearch*: the address's own line if it has one (reached
            // here only in a loop, past virtual_aliases_nostar), else the * default.
            boolean ownLine = own != null && !own.isEmpty();
            List<String> fallback = ownLine ? own : forwarders.catchAll();
            if (fallback != null && !fallback.isEmpty()) {
                if (!handled(hops, address.key(), Routers.DEFAULT_ADDRESS)) {
                    return forwarder(label, Routers.DEFAULT_ADDRESS,
                            ownLine ? "forwarder in " + file + ", again (the forwarders loop)"
                                    : "default address (*) in " + file,
                            fallback, with(hops, address.key(), Routers.DEFAULT_ADDRESS), owner, depth);
                }
                looped = true;
            }
            return TraceNode.leaf(TraceKind.FAIL, label, null, null,
                    looped ? "no such mailbox, and the forwarders loop back to this address (Exim: Unrouteable address)"
                            : "no such mailbox (Exim: Unrouteable address)",
                    TraceStatus.FAILING);
        }

        private TraceNode forwarder(String label, String router, String detail, List<String> targets,
                List<Hop> hops, String owner, int depth) {
            String decisive = decisiveItem(targets, owner, new HashSet<>());
            if (decisive != null) {
                TraceNode only = target(decisive, router, hops, owner, depth + 1);
                String lower = decisive.toLowerCase(Locale.ROOT);
                String why = lower.equals(":blackhole:")
                        ? "; it lists :blackhole:, so the mail is thrown away and no target gets a copy"
                        : lower.startsWith(":defer:")
                        ? "; it lists :defer:, so the mail waits in the queue and no target gets a copy"
                        : "; Exim cannot read one of its addresses, so the mail waits in the queue and no"
                                + " target gets a copy until the forwarder is corrected";
                return new TraceNode(TraceKind.FORWARDER, label, router, null, detail + why, only.status(),
                        List.of(only));
            }
            List<TraceNode> children = targets(targets, router, hops, owner, depth + 1);
            return new TraceNode(TraceKind.FORWARDER, label, router, null, detail, worst(children), children);
        }

        private List<TraceNode> targets(List<String> targets, String router, List<Hop> hops, String owner, int depth) {
            List<TraceNode> children = new ArrayList<>();
            if (depth > MAX_DEPTH) {
                children.add(cutOff("more than " + MAX_DEPTH + " forwarders in a row: the trace stops here"));
                return children;
            }
            for (int i = 0; i < targets.size(); i++) {
                if (steps >= MAX_STEPS) {
                    children.add(cutOff((targets.size() - i) + " more targets not traced: the trace"
                            + " has more than " + MAX_STEPS + " steps"));
                    break;
                }
                children.add(target(targets.get(i), router, hops, owner, depth));
            }
            return children;
        }

        /**
         * The item that decides for a whole list, as Exim reads it in order (spec 22.6): at
         * {@code :blackhole:} it discards the address, at {@code :defer:} or at an address it cannot
         * parse it defers it, and the addresses read before are dropped too. Items of {@code :include:} files count where the
         * file is included; each file is looked through once ({@code seen}), for a file that
         * includes itself. Null when the list has no such item.
         */
        private String decisiveItem(List<String> items, String owner, Set<String> seen) {
            for (String item : items) {
                String lower = item.toLowerCase(Locale.ROOT);
                if (lower.equals(":blackhole:") || lower.startsWith(":defer:") || malformed(item)) {
                    return item;
                }
                if (!lower.startsWith(":include:")) {
                    continue;
                }
                String path = item.substring(9).strip();
                if (seen.add(path)) {
                    List<String> included;
                    try {
                        included = files.include(path, owner == null ? null : files.home(owner));
                    } catch (IOException e) {
                        continue; // the include step says why it was not read
                    }
                    String found = decisiveItem(included, owner, seen);
                    if (found != null) {
                        return found;
                    }
                }
            }
            return null;
        }

        /** An address item of a list that Exim cannot parse. */
        private boolean malformed(String item) {
            if (item.startsWith(":") || item.startsWith("|") || item.startsWith("/") || item.indexOf('@') < 0) {
                return false;
            }
            try {
                MailAddress.parse(item);
                return false;
            } catch (InvalidAddressException e) {
                return e.malformed();
            }
        }

        /** One item of a forwarder's list. */
        private TraceNode target(String item, String router, List<Hop> hops, String owner, int depth) {
            steps++;
            String lower = item.toLowerCase(Locale.ROOT);
            if (lower.startsWith(":fail:")) {
                String text = clip(item.substring(6).strip());
                return TraceNode.leaf(TraceKind.FAIL, ":fail:", router, null,
                        text.isEmpty() ? "the forwarder refuses the mail" : text, TraceStatus.FAILING);
            }
            if (lower.startsWith(":defer:")) {
                String text = clip(item.substring(7).strip());
                return TraceNode.leaf(TraceKind.DEFER, ":defer:", router, null,
                        text.isEmpty() ? "the forwarder asks senders to try later" : text, TraceStatus.DEFERRED);
            }
            if (lower.equals(":blackhole:")) {
                return TraceNode.leaf(TraceKind.DISCARD, ":blackhole:", router, null,
                        "accepted and thrown away", TraceStatus.OK);
            }
            if (lower.equals(":unknown:")) {
                return TraceNode.leaf(TraceKind.ERROR, ":unknown:", router, null,
                        "the forwarder declines; routers after it decide, which this trace does not follow",
                        TraceStatus.UNKNOWN);
            }
            if (lower.startsWith(":include:")) {
                return include(item.substring(9).strip(), router, hops, owner, depth);
            }
            if (item.startsWith("|")) {
                return TraceNode.leaf(TraceKind.PIPE, clip(item), router, Routers.PIPE_TRANSPORT,
                        "the message is piped to this command", TraceStatus.OK);
            }
            if (item.startsWith("/")) {
                return TraceNode.leaf(TraceKind.FILE, clip(item), router, Routers.FILE_TRANSPORT,
                        "the message is appended to this file", TraceStatus.OK);
            }
            if (item.indexOf('@') < 0) {
                return account(item);
            }
            MailAddress next;
            try {
                next = MailAddress.parse(item);
            } catch (InvalidAddressException e) {
                if (e.malformed()) {
                    return TraceNode.leaf(TraceKind.DEFER, clip(item), router, null, "Exim cannot read this address ("
                            + e.getMessage() + "): it keeps the mail and retries", TraceStatus.DEFERRED);
                }
                return TraceNode.error(clip(item), "not a forwarding target: " + e.getMessage());
            }
            return address(next, hops, depth);
        }

        /** A bare name: Exim qualifies it with the server's name, which reaches a system user. */
        private TraceNode account(String name) {
            if (!accounts.isUser(name)) {
                return TraceNode.leaf(TraceKind.MAILBOX, clip(name), Routers.ACCOUNT, Routers.ACCOUNT_TRANSPORT,
                        "a local user that is not a cPanel account; its route is not traced", TraceStatus.UNKNOWN);
            }
            if (!visible.test(name)) {
                return TraceNode.leaf(TraceKind.HIDDEN, name, null, null,
                        "delivered inside another account: its route is not shown", TraceStatus.UNKNOWN);
            }
            return TraceNode.leaf(TraceKind.MAILBOX, name, Routers.ACCOUNT, Routers.ACCOUNT_TRANSPORT,
                    "the main mailbox of the account " + name, TraceStatus.OK);
        }

        private TraceNode include(String path, String router, List<Hop> hops, String owner, int depth) {
            String label = clip(path);
            List<String> items;
            try {
                items = files.include(path, owner == null ? null : files.home(owner));
            } catch (IOException e) {
                return TraceNode.leaf(TraceKind.INCLUDE, label, router, null, e.getMessage(), TraceStatus.UNKNOWN);
            }
            List<TraceNode> children = targets(items, router, hops, owner, depth + 1);
            return new TraceNode(TraceKind.INCLUDE, label, router, null, "addresses listed in this file",
                    children.isEmpty() ? TraceStatus.FAILING : worst(children), children);
        }
    }

    /**
     * Where the trace stops following a route for its own limits. Exim has no such limits, so what
     * lies beyond is unknown: the route may still end in a mailbox.
     */
    private static TraceNode cutOff(String why) {
        return TraceNode.leaf(TraceKind.ERROR, "…", null, null, why, TraceStatus.UNKNOWN);
    }

    /** An address already routed higher up the chain, and the router that did it. */
    private record Hop(String key, String router) {
    }

    private static boolean handled(List<Hop> hops, String key, String router) {
        for (Hop hop : hops) {
            if (hop.key().equals(key) && hop.router().equals(router)) {
                return true;
            }
        }
        return false;
    }

    private static List<Hop> with(List<Hop> hops, String key, String router) {
        List<Hop> more = new ArrayList<>(hops);
        more.add(new Hop(key, router));
        return List.copyOf(more);
    }

    /**
     * A forwarder sends a copy to every target, so it is as bad as its worst target: failing if
     * one bounces, else deferred, else unknown, else OK. No targets at all fail.
     */
    private static TraceStatus worst(List<TraceNode> children) {
        if (children.isEmpty()) {
            return TraceStatus.FAILING;
        }
        TraceStatus worst = TraceStatus.OK;
        for (TraceNode child : children) {
            worst = rank(child.status()) > rank(worst) ? child.status() : worst;
        }
        return worst;
    }

    private static int rank(TraceStatus status) {
        switch (status) {
            case FAILING:
                return 3;
            case DEFERRED:
                return 2;
            case UNKNOWN:
                return 1;
            default:
                return 0;
        }
    }

    private static String domainOf(String address) {
        String d = CpanelAccounts.domainOf(address.strip());
        return d == null ? "" : d.toLowerCase(Locale.ROOT);
    }

    static String clip(String text) {
        return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "…";
    }
}
