package dev.waybill.diagnosis;

/**
 * The SMTP reply code (RFC 5321) and enhanced status code (RFC 3463) found in a reason text, such
 * as {@code 550 5.1.1} in {@code SMTP error from remote mail server after RCPT TO:<x>: 550-5.1.1 The
 * email account ...}.
 *
 * @param basic    the three-digit reply code, 400 to 599
 * @param klass    the enhanced code's class (2, 4 or 5), or 0 when there was none
 * @param subject  the enhanced code's subject (1 addressing, 2 mailbox, 3 mail system, 4 network
 *                 and routing, 5 protocol, 6 content, 7 security and policy)
 * @param detail   the enhanced code's detail
 */
record ReplyCode(int basic, int klass, int subject, int detail) {

    /**
     * The first error reply code in {@code text} (lower-cased or not): one at the start, or right
     * after {@code ": "} or a line break, as Exim writes them, followed by a space, a hyphen or the
     * end. Null when there is none.
     */
    static ReplyCode find(String text) {
        int n = text.length();
        for (int i = 0; i + 3 <= n; i++) {
            char c = text.charAt(i);
            if (c < '4' || c > '5' || !digit(text, i + 1) || !digit(text, i + 2)) {
                continue;
            }
            boolean startsField = i == 0 || text.charAt(i - 1) == '\n'
                    || i >= 2 && text.charAt(i - 1) == ' ' && text.charAt(i - 2) == ':';
            if (!startsField || i + 3 < n && text.charAt(i + 3) != ' ' && text.charAt(i + 3) != '-') {
                continue;
            }
            int basic = (c - '0') * 100 + (text.charAt(i + 1) - '0') * 10 + (text.charAt(i + 2) - '0');
            return enhanced(text, basic, i + 4);
        }
        return null;
    }

    /** Reads {@code [#]c.sss.ddd} at {@code from}, if it is there. */
    private static ReplyCode enhanced(String text, int basic, int from) {
        int n = text.length();
        int i = from;
        if (i < n && text.charAt(i) == '#') {
            i++;
        }
        if (i + 1 >= n || text.charAt(i + 1) != '.') {
            return new ReplyCode(basic, 0, 0, 0);
        }
        char k = text.charAt(i);
        if (k != '2' && k != '4' && k != '5') {
            return new ReplyCode(basic, 0, 0, 0);
        }
        int subjectEnd = digitsEnd(text, i + 2);
        if (subjectEnd < 0 || subjectEnd >= n || text.charAt(subjectEnd) != '.') {
            return new ReplyCode(basic, 0, 0, 0);
        }
        int detailEnd = digitsEnd(text, subjectEnd + 1);
        if (detailEnd < 0 || detailEnd < n && (text.charAt(detailEnd) == '.' || digit(text, detailEnd))) {
            return new ReplyCode(basic, 0, 0, 0);
        }
        return new ReplyCode(basic, k - '0', Integer.parseInt(text, i + 2, subjectEnd, 10),
                Integer.parseInt(text, subjectEnd + 1, detailEnd, 10));
    }

    /** The end of a run of one to three digits at {@code from}, or -1. */
    private static int digitsEnd(String text, int from) {
        int i = from;
        while (i < text.length() && i - from < 4 && digit(text, i)) {
            i++;
        }
        return i == from || i - from > 3 ? -1 : i;
    }

    private static boolean digit(String text, int i) {
        return i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9';
    }

    /** Whether the server said to try again later (4xx). */
    boolean temporary() {
        return basic / 100 == 4;
    }

    /** As shown to users: {@code 550 5.1.1}, or {@code 421} alone. */
    String display() {
        return klass == 0 ? Integer.toString(basic) : basic + " " + klass + "." + subject + "." + detail;
    }

    /**
     * What the enhanced status code alone says (RFC 3463, and the registry's later codes from
     * RFC 7372 and RFC 8461), or null when it says nothing specific. Used only when no phrase of the
     * reply was recognised.
     */
    DiagnosisCode meaning() {
        if (klass == 0) {
            return null;
        }
        return switch (subject) {
            case 1 -> switch (detail) {
                case 0, 1, 3, 6 -> DiagnosisCode.NO_SUCH_USER;
                case 2, 10 -> DiagnosisCode.UNROUTEABLE_DOMAIN;
                case 7, 8 -> DiagnosisCode.SENDER_VERIFY;
                default -> null;
            };
            case 2 -> switch (detail) {
                case 1 -> DiagnosisCode.MAILBOX_DISABLED;
                case 2 -> DiagnosisCode.MAILBOX_FULL;
                case 3 -> DiagnosisCode.TOO_LARGE;
                default -> null;
            };
            case 3 -> detail == 4 ? DiagnosisCode.TOO_LARGE : null;
            // X.4.1 and X.4.2 are meant for the sending side; servers use them loosely, so they say
            // nothing reliable here.
            case 4 -> switch (detail) {
                case 3 -> DiagnosisCode.DNS_FAILURE;
                case 4 -> DiagnosisCode.UNROUTEABLE_DOMAIN;
                case 6 -> DiagnosisCode.MAIL_LOOP;
                case 7 -> DiagnosisCode.RETRY_TIMEOUT;
                default -> null;
            };
            case 5 -> detail == 3 ? DiagnosisCode.RATE_LIMITED : null;
            case 7 -> policyMeaning();
            default -> null;
        };
    }

    private DiagnosisCode policyMeaning() {
        return switch (detail) {
            case 8, 57 -> DiagnosisCode.AUTH_FAILURE; // 57: Microsoft's "client not authenticated"
            case 10, 11 -> DiagnosisCode.TLS;
            case 13 -> DiagnosisCode.MAILBOX_DISABLED;
            case 20, 21, 22 -> DiagnosisCode.DKIM;
            case 23, 24 -> DiagnosisCode.SPF;
            case 25 -> DiagnosisCode.REVERSE_DNS;
            case 26 -> DiagnosisCode.UNAUTHENTICATED;
            case 27 -> DiagnosisCode.SENDER_VERIFY;
            case 28 -> DiagnosisCode.RATE_LIMITED;
            case 509 -> DiagnosisCode.DMARC; // Microsoft
            case 511, 708 -> DiagnosisCode.BLOCKLISTED_IP; // Microsoft: a banned sending IP address
            default -> detail >= 606 && detail <= 649 ? DiagnosisCode.BLOCKLISTED_IP // Microsoft
                    : DiagnosisCode.POLICY;
        };
    }
}
