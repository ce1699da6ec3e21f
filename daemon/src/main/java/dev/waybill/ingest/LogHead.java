package dev.waybill.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * What identifies a log file: its first bytes of text, after decompression — {@value #BYTES} of
 * them, or fewer while the file is that short. The one notion of "the same file" for everything
 * that must know a log again:
 *
 * <ul>
 *   <li>the follower's {@link LogPosition} carries the {@linkplain #guard() guard} (the first eight
 *       bytes of the fingerprint): it tells a reused inode from the file it once named, and finds a
 *       rotated file again once it has been copied or compressed;</li>
 *   <li>{@code waybill import} and a first start's backfill record the whole
 *       {@linkplain #fingerprint() fingerprint} of each file they read (table {@code imported_file}),
 *       so that each knows the files the other has read, whatever they are called now.</li>
 * </ul>
 *
 * <p>An Exim log begins with a timestamp to the second followed by a message id or a connection's
 * address, so two different logs practically never share their first 64 bytes, and a log keeps
 * them whatever happens to it: renamed, copied (copytruncate), compressed. The fingerprint says
 * which file, not how much of it: a live log keeps its fingerprint while it grows (once it has
 * 64 bytes), so a record of a read also says how many bytes were read, and covers the file only
 * while it is no longer than that. A file shorter than {@value #BYTES} bytes has a fingerprint of
 * fewer bytes, which changes as it grows.
 */
public final class LogHead {

    /** How many of a file's first bytes identify it. */
    public static final int BYTES = 64;

    private final byte[] bytes;

    private LogHead(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The head of a text whose first bytes are {@code bytes[0, length)} (only the first {@value #BYTES} count). */
    public static LogHead of(byte[] bytes, int length) {
        return new LogHead(Arrays.copyOf(bytes, Math.min(length, BYTES)));
    }

    /**
     * Reads the head of {@code file}, decompressing it if it is gzip (told by content, as
     * {@link LogFiles} does).
     *
     * @throws IOException if the file cannot be opened or its start cannot be read
     */
    public static LogHead read(Path file) throws IOException {
        try (InputStream in = LogFiles.open(file)) {
            return new LogHead(in.readNBytes(BYTES));
        }
    }

    /**
     * The head of the text {@code in} holds from where it stands, without consuming it:
     * {@code in} must support {@link InputStream#mark}.
     */
    public static LogHead peek(InputStream in) throws IOException {
        in.mark(BYTES);
        byte[] bytes = in.readNBytes(BYTES);
        in.reset();
        return new LogHead(bytes);
    }

    /** How many bytes this head holds: {@value #BYTES}, or the whole file when it is shorter. */
    public int length() {
        return bytes.length;
    }

    /** The SHA-256 of this head: a file's identity as {@code imported_file} records it. */
    public byte[] fingerprint() {
        return fingerprint(bytes, bytes.length);
    }

    /** The first eight bytes of the {@link #fingerprint()}: a file's identity as a {@link LogPosition} has it. */
    public long guard() {
        return guard(bytes, bytes.length);
    }

    /**
     * Whether this file begins with the {@code length} bytes a guard was taken of: a position taken
     * while the file was shorter still matches it.
     */
    public boolean startsLike(int length, long guard) {
        return length <= bytes.length && guard(bytes, length) == guard;
    }

    /**
     * The SHA-256 of {@code bytes[0, length)}: a standard function, so that what is stored stays
     * valid across Java versions.
     */
    static byte[] fingerprint(byte[] bytes, int length) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        sha.update(bytes, 0, length);
        return sha.digest();
    }

    /** The first eight bytes of {@link #fingerprint(byte[], int)}, big-endian. */
    static long guard(byte[] bytes, int length) {
        byte[] d = fingerprint(bytes, length);
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = h << 8 | (d[i] & 0xff);
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogHead other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "LogHead[" + bytes.length + " bytes, guard " + String.format("%016x", guard()) + "]";
    }
}
