package dev.waybill.outcome;

/**
 * Writes an {@link Outcome} as one line of JSON with cPanel's field names. Hand-written because
 * it runs once per outcome on the hot path of {@code waybill parse}; the escaping follows RFC 8259
 * section 7, so that no subject or SMTP reply can break out of its string.
 */
public final class OutcomeJson {

    private OutcomeJson() {
    }

    /** Appends {@code o} as a JSON object (no trailing newline). */
    public static void append(Outcome o, StringBuilder sb) {
        sb.append('{');
        str(sb, "type", o.type().label(), true);
        str(sb, "msgid", o.msgid(), false);
        str(sb, "email", o.email(), false);
        str(sb, "sender", o.sender(), false);
        str(sb, "user", o.user(), false);
        str(sb, "domain", o.domain(), false);
        num(sb, "size", o.size());
        str(sb, "senderhost", o.senderhost(), false);
        str(sb, "senderip", o.senderip(), false);
        str(sb, "senderauth", o.senderauth(), false);
        sb.append(",\"spamscore\":");
        if (o.spamscore() == null) {
            sb.append("null");
        } else {
            sb.append(o.spamscore().doubleValue());
        }
        num(sb, "sendunixtime", o.sendunixtime());
        str(sb, "recipient", o.recipient(), false);
        str(sb, "deliveredto", o.deliveredto(), false);
        str(sb, "deliveryuser", o.deliveryuser(), false);
        str(sb, "deliverydomain", o.deliverydomain(), false);
        str(sb, "router", o.router(), false);
        str(sb, "transport", o.transport(), false);
        str(sb, "host", o.host(), false);
        str(sb, "ip", o.ip(), false);
        str(sb, "message", o.message(), false);
        num(sb, "actionunixtime", o.actionunixtime());
        sb.append(",\"transport_is_remote\":").append(o.transportIsRemote());
        str(sb, "subject", o.subject(), false);
        sb.append(",\"attempts\":").append(o.attempts());
        str(sb, "reply", o.reply(), false);
        str(sb, "tls", o.tls(), false);
        str(sb, "bounce_msgid", o.bounceMsgid(), false);
        str(sb, "bounce_of", o.bounceOf(), false);
        sb.append('}');
    }

    private static void num(StringBuilder sb, String key, long value) {
        sb.append(",\"").append(key).append("\":");
        if (value < 0) {
            sb.append("null");
        } else {
            sb.append(value);
        }
    }

    private static void str(StringBuilder sb, String key, String value, boolean first) {
        if (!first) {
            sb.append(',');
        }
        sb.append('"').append(key).append("\":");
        if (value == null) {
            sb.append("null");
        } else {
            quote(sb, value);
        }
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        int n = s.length();
        int run = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && c != '\u2028' && c != '\u2029') {
                continue;
            }
            sb.append(s, run, i);
            run = i + 1;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    sb.append("\\u");
                    String hex = Integer.toHexString(c);
                    for (int k = hex.length(); k < 4; k++) {
                        sb.append('0');
                    }
                    sb.append(hex);
                }
            }
        }
        sb.append(s, run, n);
        sb.append('"');
    }
}
