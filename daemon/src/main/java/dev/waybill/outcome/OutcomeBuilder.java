package dev.waybill.outcome;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.AttemptKind;
import dev.waybill.exim.Host;
import dev.waybill.exim.LineClass;
import dev.waybill.exim.LineParser;
import dev.waybill.exim.LogEvent.Arrival;
import dev.waybill.exim.LogEvent.Attempt;
import dev.waybill.exim.LogEvent.Rejection;
import dev.waybill.outcome.MessageAssembler.Branch;
import dev.waybill.outcome.MessageAssembler.OpenMessage;
import java.io.IOException;
import java.util.List;

/**
 * Fills in an {@link Outcome} from what the assembler gathered: who sent it (cPanel user,
 * authentication), who received it, and what happened.
 */
final class OutcomeBuilder {

    static final String REMOTE = "-remote-";
    private static final String ACCEPTED = "Accepted";
    private static final String FILTERED = "Filtered";

    private CpanelAccounts accounts;

    OutcomeBuilder(CpanelAccounts accounts) {
        this.accounts = accounts;
    }

    /** From now on, attribute to {@code newAccounts} (the files were read again). */
    void useAccounts(CpanelAccounts newAccounts) {
        this.accounts = newAccounts;
    }

    Outcome attempted(OpenMessage m, Branch b, boolean completed) {
        return attempted(m, b, completed, b.top, b.row);
    }

    /**
     * The outcome of branch {@code b} for {@code recipient} on row {@code row}: its own, or that of
     * another recipient of the message that Exim delivered once with it (a duplicate).
     */
    Outcome attempted(OpenMessage m, Branch b, boolean completed, String recipient, int row) {
        Attempt a = b.last;
        OutcomeType type;
        String message;
        if (a.kind() == AttemptKind.SUPPRESSED) {
            type = OutcomeType.FILTERED;
            message = "Not delivered: deliveries suppressed (-N)";
        } else if (a.kind().delivered()) {
            type = isDiscard(a) ? OutcomeType.FILTERED : OutcomeType.SUCCESS;
            message = type == OutcomeType.FILTERED ? FILTERED : ACCEPTED;
        } else if (a.kind() == AttemptKind.FAILED) {
            type = OutcomeType.FAILURE;
            message = a.message();
        } else if (completed || m.queueState != null && m.queueState.change() == LineClass.REMOVED) {
            // Still deferred when the message left the queue: an admin removed it.
            type = OutcomeType.FAILURE;
            message = removedText(m, a.message());
        } else {
            type = OutcomeType.DEFER;
            message = a.message();
        }
        boolean remote = isRemote(a);
        boolean success = type == OutcomeType.SUCCESS || type == OutcomeType.FILTERED;
        String mailbox = remote ? a.address() : localAddress(a);
        String deliveredTo = success ? mailbox : null;
        String deliveryDomain = remote ? REMOTE : localDomain(a, mailbox);
        String deliveryUser = remote ? REMOTE : accounts.ownerOfDomain(deliveryDomain);
        Host h = a.host();
        return build(m, type, recipient, deliveredTo, deliveryUser, deliveryDomain, a.router(), a.transport(),
                h == null ? null : h.display(), h == null ? null : h.ip(), message, b.lastTime, remote,
                b.attempts, success ? a.confirmation() : null, a.tls(),
                type == OutcomeType.FAILURE ? b.bounceId : null, row);
    }

    /**
     * The branch of {@code m} that went to {@code recipient} itself while written to another
     * address (a forwarder's target that the sender also wrote to), or null.
     */
    Branch deliveredAs(OpenMessage m, String recipient) {
        for (Branch b : m.branches) {
            Attempt a = b.last;
            if (!b.top.equalsIgnoreCase(recipient) && a.kind() != AttemptKind.DEFERRED
                    && recipient.equalsIgnoreCase(isRemote(a) ? a.address() : localAddress(a))) {
                return b;
            }
        }
        return null;
    }

    /** A recipient Exim has not attempted yet (or a message with no known recipient). */
    Outcome pending(OpenMessage m, String recipient, int row) {
        String message = m.queueState != null ? m.queueState.text() : null;
        String domain = CpanelAccounts.domainOf(recipient);
        String owner = accounts.ownerOfDomain(domain);
        return build(m, OutcomeType.INPROGRESS, recipient, null, owner, owner != null ? domain : null, null, null,
                null, null, message, m.lastSeen, false, 0, null, null, null, row);
    }

    /**
     * A recipient Exim never tried before an administrator removed or cancelled the message: it
     * will never be delivered.
     */
    Outcome abandoned(OpenMessage m, String recipient, int row) {
        String domain = CpanelAccounts.domainOf(recipient);
        String owner = accounts.ownerOfDomain(domain);
        return build(m, OutcomeType.FAILURE, recipient, null, owner, owner != null ? domain : null, null, null,
                null, null, removedText(m, null), m.lastSeen, false, 0, null, null, m.givenUpBounce, row);
    }

    Outcome rejected(String id, long time, Rejection r, Double spam) {
        Host h = r.host();
        String sender = r.sender();
        String reason = r.temporary() ? "Temporarily rejected " + r.stage() + ": " + r.reason()
                : r.reason();
        String rcptDomain = CpanelAccounts.domainOf(r.recipient());
        return new Outcome(OutcomeType.REJECTED, id, sender, null, h != null ? REMOTE : null,
                CpanelAccounts.domainOf(sender), -1, h == null ? null : h.display(), h == null ? null : h.ip(),
                null, spam, time, r.recipient(), null, accounts.ownerOfDomain(rcptDomain), rcptDomain, null, null,
                null, null, reason, time, false, null, 0, null, null, null, null, 0);
    }

    private Outcome build(OpenMessage m, OutcomeType type, String recipient, String deliveredTo,
                          String deliveryUser, String deliveryDomain, String router, String transport,
                          String host, String ip, String message, long actionTime, boolean remote,
                          int attempts, String reply, String tls, String bounceId, int row) {
        Arrival a = m.arrival;
        String email = a == null ? null : a.sender();
        Host from = a == null ? null : a.host();
        String senderIdentity = a == null ? null : a.authId() != null ? a.authId() : a.ident();
        String domain = m.identity != null && m.identity.domain() != null ? m.identity.domain()
                : CpanelAccounts.domainOf(email);
        return new Outcome(type, m.id, email, senderIdentity, senderUser(m), domain,
                a == null ? -1 : a.size(), from == null ? null : from.display(), from == null ? null : from.ip(),
                senderAuth(a), m.spamScore, a == null ? arrivedBy(m) : m.arrivalTime, recipient, deliveredTo,
                deliveryUser, deliveryDomain, router, transport, host, ip, message, actionTime, remote,
                a == null ? null : MimeWords.decode(a.subject()), attempts, reply, tls, bounceId,
                a == null ? null : a.bounceOf(), row);
    }

    /**
     * When a message read without its arrival line arrived, as near as can be told: the time in its
     * id, which Exim made as the message began to arrive, unless its first line read is earlier. Its
     * first line alone may be a delivery days later, and an account created in between (one given a
     * terminated account's name) would count the older account's mail as its own.
     */
    private static long arrivedBy(OpenMessage m) {
        long made = LineParser.messageIdTime(m.id);
        return made >= 0 && made < m.firstSeen ? made : m.firstSeen;
    }

    /**
     * The sender's cPanel user: cPanel's own {@code Sender identification U=}, else the owner of the
     * authenticated login's domain, else the local user who submitted it; mail that came in over
     * SMTP without authentication is {@code -remote-} whatever its sender address claims.
     */
    private String senderUser(OpenMessage m) {
        if (m.identity != null && m.identity.user() != null) {
            return m.identity.user();
        }
        Arrival a = m.arrival;
        if (a == null) {
            return null;
        }
        if (a.authId() != null) {
            String owner = accounts.ownerOfAddress(a.authId());
            if (owner != null) {
                return owner;
            }
            if (accounts.isUser(a.authId())) {
                return a.authId();
            }
            String domain = CpanelAccounts.domainOf(a.authId());
            return domain == null ? a.authId() : REMOTE;
        }
        if (a.host() == null || a.host().ip() == null) {
            // Submitted on this server (U= is the system user, which is the cPanel user).
            if (a.ident() != null) {
                return a.ident();
            }
            return accounts.ownerOfAddress(a.sender());
        }
        return REMOTE;
    }

    private static String senderAuth(Arrival a) {
        if (a == null) {
            return null;
        }
        if (a.authenticator() != null) {
            return a.authenticator();
        }
        if (a.host() == null || a.host().ip() == null) {
            return "mailman".equals(a.ident()) ? "mailman" : "localuser";
        }
        return "unauthorized";
    }

    /**
     * Whether the attempt went (or was to go) over SMTP to another server: it names a host, or its
     * transport is an SMTP one (a deferral such as "Connection refused" may log no host).
     */
    private static boolean isRemote(Attempt a) {
        if (a.host() != null) {
            return true;
        }
        String t = a.transport();
        return t != null && !t.contains("lmtp") && (t.contains("remote") || t.endsWith("smtp"));
    }

    private static boolean isDiscard(Attempt a) {
        String addr = a.address();
        return ":blackhole:".equals(addr) || "/dev/null".equals(addr) || "**bypassed**".equals(a.transport());
    }

    /**
     * The full address of a local delivery. Exim logs only the local part of a local mailbox
     * ({@code => bob <bob@example.com>}); the domain is the parent's when the local parts agree, or
     * else the one the parent's forwarder names ({@code etc/valiases}). Otherwise the address stays
     * as logged rather than be guessed.
     */
    private String localAddress(Attempt a) {
        String address = a.address();
        if (address.isEmpty() || address.indexOf('@') >= 0 || !Character.isLetterOrDigit(address.charAt(0))
                && address.charAt(0) != '_' && address.charAt(0) != '.') {
            return address; // already whole, or a file, a pipe, :blackhole:
        }
        String parent = a.parents().isEmpty() ? a.topLevel() : a.parents().get(0);
        String forwarded = sameLocalPartElsewhere(parent, address);
        if (forwarded != null) {
            return forwarded;
        }
        if (parent.regionMatches(true, 0, address, 0, address.length()) && parent.length() > address.length()
                && parent.charAt(address.length()) == '@') {
            return parent;
        }
        for (String target : accounts.forwarderTargets(parent)) {
            int at = target.lastIndexOf('@');
            if (at == address.length() && target.regionMatches(true, 0, address, 0, at)) {
                return target;
            }
        }
        return address;
    }

    /**
     * The target of the forwarder {@code parent} itself (not its domain's default address) that
     * has the local part {@code localPart} at another domain ({@code info@a.example: info@b.example}),
     * or null: then the parent, not a forwarder of its own, was the mailbox. Null too when the
     * forwarder also keeps a copy in the parent's own mailbox, which the log cannot tell apart.
     */
    private String sameLocalPartElsewhere(String parent, String localPart) {
        String domain = CpanelAccounts.domainOf(parent);
        if (domain == null) {
            return null;
        }
        List<String> targets;
        try {
            targets = accounts.forwarders(domain).exact(parent);
        } catch (IOException e) {
            return null;
        }
        if (targets == null) {
            return null;
        }
        String found = null;
        for (String target : targets) {
            if (target.equalsIgnoreCase(parent)) {
                return null;
            }
            int at = target.lastIndexOf('@');
            if (found == null && at == localPart.length() && target.regionMatches(true, 0, localPart, 0, at)) {
                found = target;
            }
        }
        return found;
    }

    /** The recipient's domain for a local delivery. */
    private static String localDomain(Attempt a, String mailbox) {
        String d = CpanelAccounts.domainOf(mailbox);
        if (d != null && mailbox.charAt(0) != '/' && mailbox.charAt(0) != '|') {
            return d;
        }
        for (String p : a.parents()) {
            d = CpanelAccounts.domainOf(p);
            if (d != null) {
                return d;
            }
        }
        return CpanelAccounts.domainOf(a.topLevel());
    }

    private static String removedText(OpenMessage m, String lastError) {
        String removed = m.queueState != null && m.queueState.change() == LineClass.REMOVED
                ? "Message " + m.queueState.text() : "Message left the queue undelivered";
        return lastError == null ? removed : removed + " (last error: " + lastError + ")";
    }
}
