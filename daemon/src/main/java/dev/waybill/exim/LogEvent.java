package dev.waybill.exim;

import java.util.List;

/**
 * What a main-log line says about a message or an SMTP session, once parsed.
 *
 * <p>Only the lines that bear on an outcome become events; context lines are classified
 * ({@link LineClass}) without allocating one.
 */
public sealed interface LogEvent {

    /**
     * A {@code <=} line. On these lines {@code T=} is the subject, {@code R=} the id of the
     * message a bounce reports on, and {@code P=} the protocol (Exim spec, "Log files").
     *
     * @param sender        envelope sender, {@code <>} for bounces
     * @param host          the sending host, null for local submissions
     * @param ident         {@code U=}: the local user (or RFC 1413 identity)
     * @param protocol      {@code P=}: smtp, esmtpa, esmtpsa, local, ...
     * @param authenticator {@code A=} before the colon, e.g. dovecot_login
     * @param authId        {@code A=} after the colon: the login, e.g. user@example.com
     * @param size          {@code S=} in bytes, -1 if absent
     * @param headerId      {@code id=}: the Message-ID header
     * @param subject       {@code T=} decoded to text, null when the message had no subject
     * @param bounceOf      {@code R=}: the message this bounce reports on
     * @param tls           {@code X=}: the TLS cipher
     * @param recipients    the {@code for ...} list ({@code +received_recipients}), may be empty
     */
    record Arrival(String sender, Host host, String ident, String protocol, String authenticator,
                   String authId, long size, String headerId, String subject, String bounceOf,
                   String tls, List<String> recipients) implements LogEvent {
    }

    /**
     * A delivery attempt for one address: {@code => -> >> *> ** ==}.
     *
     * @param kind         which of the markers
     * @param address      the address delivered to, as Exim logs it (a local part only for some
     *                     local deliveries, a file or a pipe for filters)
     * @param parents      the {@code (parent)} chain from {@code +all_parents}, nearest first
     * @param original     the top-level address in {@code <...>}, or null when it is the address
     * @param router       {@code R=}
     * @param transport    {@code T=}
     * @param host         {@code H=}, null for local deliveries
     * @param tls          {@code X=}
     * @param confirmation {@code C=}: the remote server's final answer on success
     * @param errno        the number in {@code defer (N)}, or null
     * @param message      the text after the fields: the failure or deferral reason
     */
    record Attempt(AttemptKind kind, String address, List<String> parents, String original,
                   String router, String transport, Host host, String tls, String confirmation,
                   String errno, String message) implements LogEvent {

        /** The address the sender wrote to: the top of the chain. */
        public String topLevel() {
            if (original != null) {
                return original;
            }
            return parents.isEmpty() ? address : parents.get(parents.size() - 1);
        }
    }

    /**
     * Frozen, unfrozen, removed or cancelled.
     *
     * @param change what happened
     * @param text   the rest of the line, e.g. {@code removed by root}
     */
    record QueueChange(LineClass change, String text) implements LogEvent {
    }

    /**
     * A spam verdict: cPanel's SpamAssassin warning or an {@code SA:} line.
     *
     * @param score the SpamAssassin score
     * @param spam  whether it was judged spam
     */
    record SpamVerdict(double score, boolean spam) implements LogEvent {
    }

    /** cPanel's {@code Sender identification U=user D=domain S=address}. */
    record SenderIdentity(String user, String domain, String address) implements LogEvent {
    }

    /**
     * A refusal at SMTP time.
     *
     * @param host      the client
     * @param sender    {@code F=}, the envelope sender if it was given
     * @param recipient for {@code rejected RCPT}, the refused recipient
     * @param stage     what was refused: RCPT, MAIL, DATA, connection, HELO, ...
     * @param reason    the text after the colon
     * @param temporary true for {@code temporarily rejected} (a 4xx)
     */
    record Rejection(Host host, String sender, String recipient, String stage, String reason,
                     boolean temporary) implements LogEvent {
    }
}
