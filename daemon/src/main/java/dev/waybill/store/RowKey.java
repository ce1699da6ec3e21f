package dev.waybill.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A row's identity in the store: 16 bytes derived from what the log says, never from a counter,
 * so that reading the same lines again (after a crash, or an import of a file the daemon already
 * read) lands on the same rows instead of new ones. A message's row is (server, message id, row
 * number); a rejection's is (server, time, the line's text).
 *
 * <p>The first four bytes are a time — the one Exim encodes at the start of every message id
 * (base 62 seconds), or the rejection's — and the other twelve a hash. As the primary key of
 * {@code delivery} that keeps rows in time order on disk: new rows go at the end, and the recent
 * rows that pages ask for share recent pages of the table instead of being spread all over it.
 */
public final class RowKey {

    private final byte[] bytes;
    private final int hash;

    private RowKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** Row {@code row} of message {@code msgid} on {@code server}. */
    public static RowKey ofMessage(String server, String msgid, int row) {
        return new RowKey(timed(idTime(msgid), md5(server + '\u0000' + msgid + '\u0000' + row)));
    }

    /** The rejection logged at {@code time} by {@code line} on {@code server}. */
    public static RowKey ofRejection(String server, long time, String line) {
        return new RowKey(timed(time, md5(server + "\u0000R\u0000" + time + '\u0000' + line)));
    }

    /**
     * The arrival time Exim wrote into a message id: its first six characters are the seconds
     * since the epoch in base 62 (spec chapter "Message identification"); 0 when they are not.
     */
    static long idTime(String msgid) {
        if (msgid == null || msgid.length() < 6) {
            return 0;
        }
        long t = 0;
        for (int i = 0; i < 6; i++) {
            char c = msgid.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                    : c >= 'a' && c <= 'z' ? c - 'a' + 36 : -1;
            if (d < 0) {
                return 0;
            }
            t = t * 62 + d;
        }
        return t;
    }

    /** Four bytes of {@code time} (big-endian, so keys sort by it), then twelve of {@code hash}. */
    private static byte[] timed(long time, byte[] hash) {
        long t = Math.max(0, Math.min(0xFFFF_FFFFL, time));
        byte[] key = new byte[16];
        key[0] = (byte) (t >>> 24);
        key[1] = (byte) (t >>> 16);
        key[2] = (byte) (t >>> 8);
        key[3] = (byte) t;
        System.arraycopy(hash, 0, key, 4, 12);
        return key;
    }

    /** The 16 bytes, for a BINARY(16) column. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Eight bytes identifying a chunk of lines within its message (64-bit FNV-1a over the text's
     * characters): reading the same lines again gives the same chunk, which the store then keeps
     * once. Not a digest — nothing is trusted on it — and cheap, since it runs over every line.
     */
    static byte[] shortHash(String text) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            h ^= text.charAt(i);
            h *= 0x100000001b3L;
        }
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) h;
            h >>>= 8;
        }
        return b;
    }

    private static byte[] md5(String text) {
        try {
            // Identity, not security: nothing trusts these keys, they only must not collide by chance.
            return MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
