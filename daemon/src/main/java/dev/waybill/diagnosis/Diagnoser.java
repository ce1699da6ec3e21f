package dev.waybill.diagnosis;

import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import java.util.Optional;

/**
 * Tells the probable cause of a failed, deferred or rejected delivery, and the fix, from the
 * reason Exim logged (which quotes the remote server's reply when there was one).
 *
 * <p>It reads at most {@value #MAX_CHARS} characters of each text, since a hostile server can send
 * a reply of any length, and looks for known phrases with plain substring search on a lower-cased
 * copy. When no phrase is known it falls back on the enhanced status code (RFC 3463), then on
 * generic refusal words, then on {@link DiagnosisCode#UNKNOWN}, which still says what to do. It
 * never throws, whatever the input. Stateless and thread-safe.
 */
public final class Diagnoser {

    /** How much of a reason text is read; the phrases that matter come at the start. */
    static final int MAX_CHARS = 4096;

    private static final String LEFT_QUEUE = "message left the queue undelivered";
    private static final String VIRTUAL_ALIASES = "virtual_aliases";
    /** How Exim introduces a remote server's reply. */
    private static final String REMOTE_REPLY = "smtp error from remote mail server";

    /** Where the delivery went, which decides between readings of the same text. */
    public enum Route {
        /** Over SMTP to another server. */
        REMOTE,
        /** To a mailbox, forwarder or program on this server: the recipient's domain is hosted here. */
        LOCAL,
        /** Not known, or never routed (the domain is not hosted here). */
        UNKNOWN
    }

    private Diagnoser() {
    }

    /**
     * The diagnosis of one row: present for failures, deferrals and rejections, and for a message
     * frozen in the queue; empty for deliveries, filtered mail, mail still on its way, and null.
     */
    public static Optional<Diagnosis> diagnose(Outcome outcome) {
        if (outcome == null) {
            return Optional.empty();
        }
        try {
            if (outcome.type() == OutcomeType.FAILURE && VIRTUAL_ALIASES.equals(outcome.router())
                    && outcome.transport() == null && !removed(outcome.message())) {
                // The forwarder itself failed the address: a ":fail:" with the owner's own text.
                return Optional.of(make(DiagnosisCode.FORWARDER_FAIL, false, false, null));
            }
            return diagnose(outcome.type(), outcome.message(), outcome.reply(), routeOf(outcome));
        } catch (RuntimeException e) {
            return Optional.of(make(DiagnosisCode.UNKNOWN, false, false, null));
        }
    }

    /**
     * The diagnosis of a row given by its parts.
     *
     * @param type    the row's type; only failures, deferrals, rejections and frozen messages get a
     *                diagnosis
     * @param message the reason Exim logged (may be null)
     * @param reply   the remote server's reply, if known apart from the message (may be null)
     * @param route   where the delivery went (null means {@link Route#UNKNOWN})
     * @return the diagnosis, or empty when the row needs none
     */
    public static Optional<Diagnosis> diagnose(OutcomeType type, String message, String reply, Route route) {
        if (type == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(diagnoseText(type, message, reply, route == null ? Route.UNKNOWN : route));
        } catch (RuntimeException e) {
            // Nothing here should throw; a row without a reasoned diagnosis is better than none.
            return Optional.of(make(DiagnosisCode.UNKNOWN, false, type == OutcomeType.REJECTED, null));
        }
    }

    private static Diagnosis diagnoseText(OutcomeType type, String message, String reply, Route route) {
        String lower = lowerPrefix(message);
        if (reply != null && !reply.isEmpty()) {
            lower = lower.isEmpty() ? lowerPrefix(reply) : lower + "\n" + lowerPrefix(reply);
        }
        switch (type) {
            case FAILURE, DEFER, REJECTED -> {
            }
            case INPROGRESS -> {
                return lower.contains("frozen") ? make(DiagnosisCode.FROZEN, false, false, null) : null;
            }
            default -> {
                return null;
            }
        }
        boolean rejection = type == OutcomeType.REJECTED;
        if (lower.startsWith("message removed by") || lower.startsWith("message cancelled by")) {
            return make(DiagnosisCode.REMOVED_BY_ADMIN, false, rejection, null);
        }
        boolean deferred = type == OutcomeType.DEFER;
        if (lower.startsWith(LEFT_QUEUE)) {
            // Given up while deferred: what matters is the last error, when there is one.
            lower = lower.substring(LEFT_QUEUE.length());
            deferred = true;
        }
        ReplyCode smtp = ReplyCode.find(lower);
        boolean temporary = smtp != null ? smtp.temporary()
                : deferred || lower.startsWith("temporarily rejected");
        String shown = smtp == null ? null : smtp.display();

        boolean remoteReply = lower.contains(REMOTE_REPLY);
        DiagnosisCode code = ReplyRules.Rule.first(ReplyRules.STRONG, lower, temporary, remoteReply);
        if (code == null && smtp != null) {
            code = smtp.meaning();
        }
        if (code == null) {
            code = ReplyRules.Rule.first(ReplyRules.WEAK, lower, temporary, remoteReply);
        }
        if (code == null) {
            code = DiagnosisCode.UNKNOWN;
        }
        if (code == DiagnosisCode.MAILBOX_FULL && (route != Route.REMOTE || rejection)) {
            code = DiagnosisCode.LOCAL_QUOTA;
        } else if (code == DiagnosisCode.UNROUTEABLE_DOMAIN && (route == Route.LOCAL || remoteReply)
                && (lower.contains("unrouteable address") || lower.contains("unroutable address"))) {
            // Exim says "Unrouteable address" both for a domain with no mail server and for an
            // address that no router accepts in a domain hosted here: here it is the second, and so
            // it is in the reply of a remote Exim, whose domain had a mail server: the one replying.
            code = DiagnosisCode.NO_SUCH_USER;
        }
        return make(code, temporary, rejection, type == OutcomeType.DEFER, shown);
    }

    private static Diagnosis make(DiagnosisCode code, boolean reportedTemporary, boolean rejection, String shown) {
        return make(code, reportedTemporary, rejection, false, shown);
    }

    /**
     * The diagnosis for {@code code}; {@code deferral} says the server is still trying, which only
     * {@link DiagnosisCode#UNKNOWN} words differently.
     */
    private static Diagnosis make(DiagnosisCode code, boolean reportedTemporary, boolean rejection, boolean deferral,
                                  String shown) {
        boolean temporary = switch (code.transience()) {
            case TEMPORARY -> true;
            case PERMANENT -> false;
            case AS_REPORTED -> reportedTemporary;
        };
        String cause = code.cause(rejection);
        String fix = code.fix(rejection);
        if (code == DiagnosisCode.UNKNOWN && deferral) {
            cause = DiagnosisCode.UNKNOWN_TEMPORARY_CAUSE;
            fix = DiagnosisCode.UNKNOWN_TEMPORARY_FIX;
        }
        return new Diagnosis(code.label(), cause, fix, temporary, shown);
    }

    /**
     * The first {@link #MAX_CHARS} characters, lower-cased, with the lines of a multi-line reply
     * joined (each continuation's {@code 550-5.7.1 } prefix dropped, so a phrase broken over two
     * lines still matches) and runs of white space made one space; empty for null.
     */
    static String lowerPrefix(String s) {
        if (s == null) {
            return "";
        }
        int n = Math.min(s.length(), MAX_CHARS);
        StringBuilder b = new StringBuilder(n);
        boolean space = false;
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                i = afterContinuationPrefix(s, i + 1, n);
                space = true;
            } else if (c == ' ' || c == '\t') {
                space = true;
                i++;
            } else {
                if (space && b.length() > 0) {
                    b.append(' ');
                }
                space = false;
                b.append(Character.toLowerCase(c));
                i++;
            }
        }
        return b.toString();
    }

    /** Past {@code ddd-} or {@code ddd } and an enhanced status code after it, if they start at {@code i}. */
    private static int afterContinuationPrefix(String s, int i, int n) {
        if (i < n && s.charAt(i) == '\n') {
            i++; // CR LF
        }
        if (i + 3 < n && digit(s, i) && digit(s, i + 1) && digit(s, i + 2)
                && (s.charAt(i + 3) == '-' || s.charAt(i + 3) == ' ')) {
            int j = i + 4;
            int k = j;
            while (k < n && k - j < 12 && (digit(s, k) || s.charAt(k) == '.')) {
                k++;
            }
            return k > j && k < n && s.charAt(k) == ' ' ? k + 1 : j;
        }
        return i;
    }

    private static boolean digit(String s, int i) {
        char c = s.charAt(i);
        return c >= '0' && c <= '9';
    }

    private static boolean removed(String message) {
        String lower = lowerPrefix(message);
        return lower.startsWith("message removed by") || lower.startsWith("message cancelled by");
    }

    /**
     * Remote when the transport talked SMTP to another server; local when the recipient's domain
     * belongs to a cPanel account here (for a rejection, the domain it was addressed to).
     */
    private static Route routeOf(Outcome o) {
        if (o.transportIsRemote()) {
            return Route.REMOTE;
        }
        String owner = o.deliveryuser();
        if (owner != null && !owner.isEmpty() && !"-remote-".equals(owner)) {
            return Route.LOCAL;
        }
        return Route.UNKNOWN;
    }
}
