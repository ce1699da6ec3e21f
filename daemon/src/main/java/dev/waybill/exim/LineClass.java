package dev.waybill.exim;

import java.util.Locale;

/**
 * What one main-log line is, as counted by {@code waybill parse --stats}.
 *
 * <p>The first group carries a message's fate; the rest is context that is classified so that
 * nothing is left unexplained, and kept with its message where it has an id.
 */
public enum LineClass {
    /** {@code <=}: a message was received. */
    ARRIVAL,
    /** {@code =>}: the first address of a delivery succeeded. */
    DELIVERY,
    /** {@code ->}: a further address in the same delivery succeeded. */
    ADDITIONAL_DELIVERY,
    /** {@code >>}: a cutthrough delivery, made while the message was being received. */
    CUTTHROUGH,
    /** {@code *>}: a delivery suppressed by {@code -N}. */
    SUPPRESSED,
    /** {@code **}: a permanent delivery failure. */
    FAILURE,
    /** {@code ==}: a temporary failure; delivery will be retried. */
    DEFERRAL,
    /** {@code Completed}: every address of the message is done. */
    COMPLETED,
    /** {@code Frozen}, {@code Message is frozen}. */
    FROZEN,
    /** {@code Unfrozen by ...}. */
    UNFROZEN,
    /** {@code removed by ...}, {@code cancelled by ...}: taken off the queue by an admin. */
    REMOVED,
    /** {@code rejected RCPT/MAIL/after DATA/connection ...}: refused at SMTP time. */
    REJECTION,
    /** cPanel's {@code SpamAssassin as ... detected ... (score)} warning, and {@code SA:} lines. */
    SPAM_SCORE,
    /** cPanel's {@code Sender identification U= D= S=}. */
    SENDER_IDENTIFICATION,
    /** cPanel's {@code SMTP connection outbound <time> <id> <domain> <rcpt>}. */
    OUTBOUND_CONNECTION,
    /** cPanel's hourly send-limit lines ({@code Domain d has exceeded ...}). */
    SEND_LIMIT,
    /** SMTP session life: connection opened, closed, lost, timed out, dropped. */
    CONNECTION,
    /** An SMTP AUTH attempt that failed ({@code authenticator failed for ...}). */
    AUTH_FAILURE,
    /** TLS negotiation errors. */
    TLS,
    /** DKIM, ARC and SPF verification reports. */
    AUTHENTICATION_RESULT,
    /** {@code H=... Warning: ...} from an ACL, and Exim's own warnings. */
    WARNING,
    /** Host name lookups: {@code no host name found for IP address ...}. */
    DNS,
    /** {@code cwd=... N args: ...} from {@code +arguments}. */
    COMMAND,
    /** {@code Start queue run}, {@code End queue run}. */
    QUEUE_RUN,
    /** Daemon start, re-exec, signals. */
    DAEMON,
    /** Queue-handling notes about one message: spool locked, no immediate delivery, retry state. */
    QUEUE_NOTE,
    /** Exim's own errors: configuration, spool, panics, lost processes. */
    ERROR,
    /** Free text written by the configuration ({@code logwrite}, {@code log_message}). */
    NOTE,
    /** A line without a timestamp that continues the entry before it. */
    CONTINUATION,
    /** Anything else: counted and kept, never fatal. */
    UNKNOWN;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The name used in JSON output, e.g. {@code sender_identification}. */
    public String label() {
        return label;
    }
}
