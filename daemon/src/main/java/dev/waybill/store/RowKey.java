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
        return new RowKey(md5(server + '\u0000' + msgid + '\u0000' + row));
    }

    /** The rejection logged at {@code time} by {@code line} on {@code server}. */
    public static RowKey ofRejection(String server, long time, String line) {
        return new RowKey(md5(server + "\u0000R\u0000" + time + '\u0000' + line));
    }

    /** The 16 bytes, for a BINARY(16) column. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The first 8 bytes of the MD5 of {@code text}: a line's identity within its message. */
    static byte[] shortHash(String text) {
        return Arrays.copyOf(md5(text), 8);
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
