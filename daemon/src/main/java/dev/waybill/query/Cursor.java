package dev.waybill.query;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * Where a page ended: the last row's send time and key, and a fingerprint of the search it
 * belongs to. Opaque to clients (URL-safe base64), checked when it comes back.
 */
record Cursor(long sendtime, byte[] rowKey, int filterHash) {

    private static final byte VERSION = 1;
    private static final int LENGTH = 1 + 8 + 16 + 4;

    String encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put(VERSION).putLong(sendtime).put(rowKey).putInt(filterHash);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /**
     * @throws BadQueryException if {@code text} is not a cursor of this search
     */
    static Cursor decode(String text, int expectedFilterHash) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new BadQueryException("cursor is not one this daemon gave out");
        }
        if (raw.length != LENGTH || raw[0] != VERSION) {
            throw new BadQueryException("cursor is not one this daemon gave out");
        }
        ByteBuffer b = ByteBuffer.wrap(raw, 1, LENGTH - 1);
        long sendtime = b.getLong();
        byte[] key = new byte[16];
        b.get(key);
        int hash = b.getInt();
        if (hash != expectedFilterHash) {
            throw new BadQueryException("cursor belongs to a different search; start again without it");
        }
        return new Cursor(sendtime, key, hash);
    }
}
