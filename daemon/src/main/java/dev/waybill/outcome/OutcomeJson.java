package dev.waybill.outcome;

import java.nio.charset.StandardCharsets;

/**
 * Writes an {@link Outcome} as one line of JSON with cPanel's field names. Hand-written because
 * it runs once per outcome on the hot path of {@code waybill parse}; {@link JsonBuffer} escapes
 * every string, so that no subject or SMTP reply can break out of it.
 */
public final class OutcomeJson {

    // Keys as bytes, with their punctuation: copied, not encoded, once per outcome.
    private static final byte[] K_TYPE = key("{\"type\":");
    private static final byte[] K_MSGID = key(",\"msgid\":");
    private static final byte[] K_EMAIL = key(",\"email\":");
    private static final byte[] K_SENDER = key(",\"sender\":");
    private static final byte[] K_USER = key(",\"user\":");
    private static final byte[] K_DOMAIN = key(",\"domain\":");
    private static final byte[] K_SIZE = key(",\"size\":");
    private static final byte[] K_SENDERHOST = key(",\"senderhost\":");
    private static final byte[] K_SENDERIP = key(",\"senderip\":");
    private static final byte[] K_SENDERAUTH = key(",\"senderauth\":");
    private static final byte[] K_SPAMSCORE = key(",\"spamscore\":");
    private static final byte[] K_SENDUNIXTIME = key(",\"sendunixtime\":");
    private static final byte[] K_RECIPIENT = key(",\"recipient\":");
    private static final byte[] K_DELIVEREDTO = key(",\"deliveredto\":");
    private static final byte[] K_DELIVERYUSER = key(",\"deliveryuser\":");
    private static final byte[] K_DELIVERYDOMAIN = key(",\"deliverydomain\":");
    private static final byte[] K_ROUTER = key(",\"router\":");
    private static final byte[] K_TRANSPORT = key(",\"transport\":");
    private static final byte[] K_HOST = key(",\"host\":");
    private static final byte[] K_IP = key(",\"ip\":");
    private static final byte[] K_MESSAGE = key(",\"message\":");
    private static final byte[] K_ACTIONUNIXTIME = key(",\"actionunixtime\":");
    private static final byte[] K_TRANSPORT_IS_REMOTE = key(",\"transport_is_remote\":");
    private static final byte[] K_SUBJECT = key(",\"subject\":");
    private static final byte[] K_ATTEMPTS = key(",\"attempts\":");
    private static final byte[] K_REPLY = key(",\"reply\":");
    private static final byte[] K_TLS = key(",\"tls\":");
    private static final byte[] K_BOUNCE_MSGID = key(",\"bounce_msgid\":");
    private static final byte[] K_BOUNCE_OF = key(",\"bounce_of\":");

    private OutcomeJson() {
    }

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Appends {@code o} as a JSON object (no trailing newline). */
    public static void append(Outcome o, JsonBuffer b) {
        b.raw(K_TYPE).string(o.type().label());
        b.raw(K_MSGID).string(o.msgid());
        b.raw(K_EMAIL).string(o.email());
        b.raw(K_SENDER).string(o.sender());
        b.raw(K_USER).string(o.user());
        b.raw(K_DOMAIN).string(o.domain());
        count(b.raw(K_SIZE), o.size());
        b.raw(K_SENDERHOST).string(o.senderhost());
        b.raw(K_SENDERIP).string(o.senderip());
        b.raw(K_SENDERAUTH).string(o.senderauth());
        score(b.raw(K_SPAMSCORE), o.spamscore());
        count(b.raw(K_SENDUNIXTIME), o.sendunixtime());
        b.raw(K_RECIPIENT).string(o.recipient());
        b.raw(K_DELIVEREDTO).string(o.deliveredto());
        b.raw(K_DELIVERYUSER).string(o.deliveryuser());
        b.raw(K_DELIVERYDOMAIN).string(o.deliverydomain());
        b.raw(K_ROUTER).string(o.router());
        b.raw(K_TRANSPORT).string(o.transport());
        b.raw(K_HOST).string(o.host());
        b.raw(K_IP).string(o.ip());
        b.raw(K_MESSAGE).string(o.message());
        count(b.raw(K_ACTIONUNIXTIME), o.actionunixtime());
        b.raw(K_TRANSPORT_IS_REMOTE).raw(o.transportIsRemote() ? "true" : "false");
        b.raw(K_SUBJECT).string(o.subject());
        b.raw(K_ATTEMPTS).number(o.attempts());
        b.raw(K_REPLY).string(o.reply());
        b.raw(K_TLS).string(o.tls());
        b.raw(K_BOUNCE_MSGID).string(o.bounceMsgid());
        b.raw(K_BOUNCE_OF).string(o.bounceOf());
        b.raw('}');
    }

    /** {@code o} as one line of JSON, without the newline. */
    public static String toJson(Outcome o) {
        JsonBuffer b = new JsonBuffer(1024);
        append(o, b);
        return b.toString();
    }

    /**
     * A spam score, to three decimals (SpamAssassin gives one to three); written by hand because
     * {@code Double.toString} is large to compile for a short run.
     */
    static void score(JsonBuffer b, Double score) {
        if (score == null || score.isNaN() || score.isInfinite()) {
            b.raw("null");
            return;
        }
        long thousandths = Math.round(score * 1000);
        if (thousandths < 0) {
            b.raw('-');
            thousandths = -thousandths;
        }
        b.number(thousandths / 1000);
        long rest = thousandths % 1000;
        if (rest == 0) {
            b.raw(".0");
            return;
        }
        b.raw('.');
        b.raw((char) ('0' + rest / 100));
        if (rest % 100 != 0) {
            b.raw((char) ('0' + rest / 10 % 10));
            if (rest % 10 != 0) {
                b.raw((char) ('0' + rest % 10));
            }
        }
    }

    /** A count or a time; negative means unknown and is written as null. */
    private static void count(JsonBuffer b, long value) {
        if (value < 0) {
            b.raw("null");
        } else {
            b.number(value);
        }
    }
}
