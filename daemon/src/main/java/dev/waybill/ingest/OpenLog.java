package dev.waybill.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One log file held open by a {@link LogFollower}: its identity, its first bytes (its
 * {@link LogHead}, whose guard a {@link LogPosition} carries), and reads from an offset.
 *
 * <p>A plain file is read with positional reads on its channel, so it can be renamed, replaced
 * or deleted under us and we still read the same bytes, and reaching its end is not final: it may
 * grow. A compressed file is read once, start to end, through a decompressing stream; its
 * offsets count decompressed bytes.
 */
final class OpenLog implements Closeable {

    /** How often open() tries again when the name keeps pointing at a different file. */
    private static final int OPEN_ATTEMPTS = 4;

    private final Path path;
    private final FileChannel channel;
    private final FileKey key;
    private final boolean compressed;
    private final byte[] head = new byte[LogPosition.HEAD_BYTES];
    private int headLength;
    private long headHash;
    /** Plain: the offset of the next positional read. Compressed: decompressed bytes consumed. */
    private long readPos;
    /** Compressed only: the decompressing stream, already past the head. */
    private InputStream inflated;

    private OpenLog(Path path, FileChannel channel, FileKey key, boolean compressed) {
        this.path = path;
        this.channel = channel;
        this.key = key;
        this.compressed = compressed;
    }

    /**
     * Opens {@code path} and learns its identity and first bytes.
     *
     * <p>Java cannot fstat an open channel, so the name is looked up before and after opening; if
     * both agree, the channel holds that file. (A rename between the two is what log rotation
     * does, so this is retried rather than trusted.)
     *
     * @param compressed read it through a decompressing stream (gzip is detected by content, as
     *     {@link LogFiles} does, so a plain file with a {@code .gz} name is still read correctly)
     */
    static OpenLog open(Path path, boolean compressed) throws IOException {
        for (int attempt = 1; ; attempt++) {
            FileKey before = FileKey.of(path);
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
            OpenLog log = null;
            try {
                FileKey after = FileKey.of(path);
                if (after.equals(before)) {
                    log = new OpenLog(path, ch, after, compressed);
                    log.readHead();
                    return log;
                }
            } finally {
                if (log == null) {
                    ch.close();
                }
            }
            if (attempt == OPEN_ATTEMPTS) {
                throw new IOException(path + " kept naming a different file while it was being opened");
            }
        }
    }

    private void readHead() throws IOException {
        if (compressed) {
            // Closing this stream would close the channel: it is closed with the channel instead.
            inflated = LogFiles.decompressing(Channels.newInputStream(channel.position(0)));
            int n = 0;
            while (n < head.length) {
                int r = inflated.read(head, n, head.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            setHead(n);
        } else {
            ByteBuffer bb = ByteBuffer.wrap(head);
            while (bb.hasRemaining() && channel.read(bb, bb.position()) > 0) {
                // a short read of a growing file: ask again until the end
            }
            setHead(bb.position());
        }
    }

    private void setHead(int n) {
        headLength = n;
        headHash = LogHead.guard(head, n);
    }

    Path path() {
        return path;
    }

    FileKey key() {
        return key;
    }

    boolean compressed() {
        return compressed;
    }

    /** The position {@code offset} in this file. */
    LogPosition position(long offset) {
        return new LogPosition(key.device(), key.inode(), offset, headLength, headHash);
    }

    /** The time its first line begins with ({@link LogFollower#stamp}), or null if it begins otherwise. */
    String firstStamp() {
        return LogFollower.stamp(new String(head, 0, headLength, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** Whether this file begins with the bytes {@code p}'s guard was taken from. */
    boolean startsLike(LogPosition p) {
        return p.headLength() <= headLength
                && (p.headLength() == headLength ? headHash : LogHead.guard(head, p.headLength())) == p.headHash();
    }

    /** Plain files: the current size. */
    long size() throws IOException {
        return channel.size();
    }

    /**
     * Plain files: whether the first bytes are still the ones read at open. They change when the
     * file is truncated and written again (copytruncate) faster than we look.
     */
    boolean headUnchanged() throws IOException {
        byte[] now = new byte[headLength];
        ByteBuffer bb = ByteBuffer.wrap(now);
        while (bb.hasRemaining() && channel.read(bb, bb.position()) > 0) {
            // keep reading: a short read is allowed
        }
        return !bb.hasRemaining() && Arrays.equals(now, 0, headLength, head, 0, headLength);
    }

    /**
     * Moves to {@code offset}, where the next read starts. For a compressed file this decompresses
     * up to there, so it may be called once, before any read.
     *
     * @return false if the file is shorter than {@code offset}
     */
    boolean seek(long offset) throws IOException {
        if (!compressed) {
            if (offset > channel.size()) {
                return false;
            }
            readPos = offset;
            return true;
        }
        if (offset <= headLength) {
            readPos = offset;
            return true;
        }
        readPos = headLength;
        byte[] scratch = new byte[1 << 16];
        while (readPos < offset) {
            int r = inflated.read(scratch, 0, (int) Math.min(scratch.length, offset - readPos));
            if (r < 0) {
                return false;
            }
            readPos += r;
        }
        return true;
    }

    /**
     * Reads what is there now into {@code b[off, off+len)}.
     *
     * @return the number of bytes read; 0 when a plain file has nothing more yet; -1 at the end
     *     of a compressed file, which is final
     */
    int read(byte[] b, int off, int len) throws IOException {
        if (compressed) {
            if (readPos < headLength) {
                int n = (int) Math.min(len, headLength - readPos);
                System.arraycopy(head, (int) readPos, b, off, n);
                readPos += n;
                return n;
            }
            int r = inflated.read(b, off, len);
            if (r > 0) {
                readPos += r;
            }
            return r;
        }
        int r = channel.read(ByteBuffer.wrap(b, off, len), readPos);
        if (r <= 0) {
            return 0;
        }
        readPos += r;
        if (headLength < head.length) {
            readHead(); // the file was shorter than the guard until now
        }
        return r;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return path + " (inode " + Long.toUnsignedString(key.inode()) + (compressed ? ", compressed)" : ")");
    }
}
