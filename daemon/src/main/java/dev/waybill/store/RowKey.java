package dev.waybill.store;

import dev.waybill.exim.LineParser;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A row's identity in the store: 16 bytes derived from what the log says, never from a counter,
 * so that reading the same lines again (after a crash, or an import of a file the daemon already
 * read) lands on the same rows instead of new ones.
 *
 * <p>A message's row is, in order: four bytes of the time Exim encodes at the start of every
 * message id (base 62 seconds), seven of a hash of the id, two of the server's id in the store
 * (its row in {@code server}, unique there: filled in when written, {@link #bytes(int)}), and
 * three of the row number. As the primary key of {@code delivery} that keeps rows in time
 * order on disk (new rows go at the end, and the recent rows pages ask for share pages), and it
 * puts all rows of one message id, on every server, in one range of the key: {@link #messageRange}
 * finds a message without an index of its own. A rejection after DATA carries its message id and
 * takes a row number from the top of that range; any other rejection is its time and twelve bytes of an
 * MD5 of the server, time and line (the line's text comes from the client, so its hash must not
 * be one a client could aim at).
 */
public final class RowKey implements Comparable<RowKey> {

    /** Row numbers fit in three bytes; those from this one up are rejections of a message id. */
    static final int REJECTION_ROWS = dev.waybill.outcome.MessageAssembler.ROWS;

    private final byte[] bytes;
    private final boolean ofMessage;
    private final int hash;

    private RowKey(byte[] bytes, boolean ofMessage) {
        this.bytes = bytes;
        this.ofMessage = ofMessage;
        this.hash = Arrays.hashCode(bytes);
    }

    /**
     * Row {@code row} (0 to {@value #REJECTION_ROWS} - 1) of message {@code msgid} on the server
     * that writes it.
     */
    public static RowKey ofMessage(String msgid, int row) {
        return new RowKey(messageKey(msgid, 0, Math.max(0, Math.min(REJECTION_ROWS - 1, row))), msgid != null);
    }

    /**
     * The rejection logged at {@code time} by {@code line} on {@code server}; {@code msgid} is the
     * message id when the rejection came after DATA (Exim had named the message), else null.
     */
    public static RowKey ofRejection(String server, String msgid, long time, String line) {
        if (msgid != null) {
            return new RowKey(messageKey(msgid, 0, REJECTION_ROWS | (int) (hash64(line) & 0xFFFF)), true);
        }
        byte[] key = new byte[16];
        putTime(key, time);
        System.arraycopy(md5(server + "\u0000R\u0000" + time + '\u0000' + line), 0, key, 4, 12);
        return new RowKey(key, false);
    }

    /**
     * The first and last possible keys of the rows of message {@code msgid}, on any server: with
     * {@code msgid = ?}, a range of the primary key.
     */
    public static byte[][] messageRange(String msgid) {
        return new byte[][] {messageKey(msgid, 0, 0), messageKey(msgid, 0xFFFF, 0xFF_FFFF)};
    }

    private static byte[] messageKey(String msgid, int server, int row) {
        byte[] key = new byte[16];
        putTime(key, idTime(msgid));
        long h = hash64(msgid == null ? "" : msgid);
        for (int i = 10; i >= 4; i--) {
            key[i] = (byte) h;
            h >>>= 8;
        }
        key[11] = (byte) (server >>> 8);
        key[12] = (byte) server;
        key[13] = (byte) (row >>> 16);
        key[14] = (byte) (row >>> 8);
        key[15] = (byte) row;
        return key;
    }

    /**
     * 64-bit FNV-1a over the characters, then a finaliser that spreads every bit: for names Exim
     * and the configuration choose (message ids, server names), which nobody can aim at.
     */
    static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** The arrival time Exim wrote into a message id ({@link LineParser#idTime}); 0 when it holds none. */
    static long idTime(String msgid) {
        return LineParser.idTime(msgid);
    }

    /** Four bytes of {@code time}, big-endian, so that keys sort by it. */
    private static void putTime(byte[] key, long time) {
        long t = DeliveryStore.unixTime(time);
        key[0] = (byte) (t >>> 24);
        key[1] = (byte) (t >>> 16);
        key[2] = (byte) (t >>> 8);
        key[3] = (byte) t;
    }

    /**
     * The 16 bytes for a BINARY(16) column, as server {@code serverId} (1 to 65,535) writes them:
     * a message's key holds it, a rejection's key without a message id has its server's name in
     * its hash already.
     */
    public byte[] bytes(int serverId) {
        byte[] b = bytes.clone();
        if (ofMessage) {
            b[11] = (byte) (serverId >>> 8);
            b[12] = (byte) serverId;
        }
        return b;
    }

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            // Identity, not security: nothing trusts these keys, they only must not collide.
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    });

    private static byte[] md5(String text) {
        return MD5.get().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The order of the keys as one server writes them ({@link #bytes(int)}, compared unsigned),
     * which is the order of the primary key of {@code delivery}: the two bytes of server id are
     * the same in every message's key one server writes. (Only a rejection's key, which has none,
     * and a message's that share the eleven bytes before them could be ordered otherwise: which
     * would cost a page split, nothing more.)
     */
    @Override
    public int compareTo(RowKey o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
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
