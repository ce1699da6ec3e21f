package dev.waybill.ingest;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens a main log for reading: plain or gzip-compressed, told apart by content, not name. */
public final class LogFiles {

    private static final int BUFFER = 1 << 16;

    private LogFiles() {
    }

    /** Opens {@code file}, decompressing it if it starts with the gzip magic bytes. */
    public static InputStream open(Path file) throws IOException {
        return decompressing(Files.newInputStream(file));
    }

    /** Whether {@code file} is gzip-compressed: whether it starts with the magic bytes 0x1f 0x8b. */
    public static boolean compressed(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(2);
            return magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        }
    }

    /**
     * How many bytes of text {@code file} holds: its size, or for a compressed file what it
     * decompresses to (which takes reading it all).
     *
     * @throws IOException if it cannot be read, or a compressed file is damaged
     */
    public static long textLength(Path file) throws IOException {
        return compressed(file) ? decompressedLength(file, Long.MAX_VALUE) : Files.size(file);
    }

    /** How many bytes of text {@code file} holds, decompressed up to {@code limit} of them at most. */
    private static long decompressedLength(Path file, long limit) throws IOException {
        try (InputStream in = open(file)) {
            byte[] scratch = new byte[BUFFER];
            long n = 0;
            int r;
            while (n < limit && (r = in.read(scratch, 0, (int) Math.min(scratch.length, limit - n))) >= 0) {
                n += r;
            }
            return n;
        }
    }

    /**
     * Whether {@code file} holds no more than {@code bytes} of text. A plain file says so by its
     * size. A compressed file whose trailer gives {@code bytes} is taken to hold just that, and
     * is not decompressed: gzip keeps the length of its last member modulo 4 GiB, so any other
     * length it could hold differs from it by a multiple of 4 GiB, or needs a file of several
     * members the last of which happens to match, as unlikely as two logs sharing their first
     * bytes. One whose trailer keeps more than {@code bytes} holds more. Otherwise it is
     * decompressed, no further than the byte after {@code bytes}.
     *
     * @throws IOException if it cannot be read, or a compressed file is damaged
     */
    public static boolean holdsAtMost(Path file, long bytes) throws IOException {
        if (!compressed(file)) {
            return Files.size(file) <= bytes;
        }
        long trailer = trailerLength(file);
        if (trailer == (bytes & 0xFFFF_FFFFL) || bytes == Long.MAX_VALUE) {
            return true;
        }
        if (trailer > bytes) {
            return false; // its last member alone holds at least what the trailer keeps
        }
        return decompressedLength(file, bytes + 1) <= bytes;
    }

    /**
     * What the last member of a gzip file says it decompresses to, modulo 4 GiB (ISIZE, its last
     * four bytes, little-endian); -1 if it is shorter than that.
     */
    static long trailerLength(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            long size = ch.size();
            ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (size >= 4 && tail.hasRemaining() && ch.read(tail, size - 4 + tail.position()) > 0) {
                // read on
            }
            return tail.hasRemaining() ? -1 : Integer.toUnsignedLong(tail.getInt(0));
        }
    }

    /**
     * Wraps {@code raw} so that it decompresses if its first two bytes are gzip's 0x1f 0x8b.
     * Nothing is read until the first read, so this never blocks and never fails.
     */
    public static InputStream decompressing(InputStream raw) {
        // A pipe opened by path (`waybill parse <(zcat ...)`) fails to say what is available
        // ("Illegal seek"), which the buffer asks after each read: then nothing is promised.
        InputStream piped = new FilterInputStream(raw) {
            @Override
            public int available() {
                try {
                    return in.available();
                } catch (IOException e) {
                    return 0;
                }
            }
        };
        return new FilterInputStream(new BufferedInputStream(piped, BUFFER)) {
            private boolean decided;

            private void decide() throws IOException {
                if (decided) {
                    return;
                }
                decided = true;
                in.mark(2);
                int b1 = in.read();
                int b2 = in.read();
                in.reset();
                if (b1 == 0x1f && b2 == 0x8b) {
                    in = new GZIPInputStream(new FilterInputStream(in) {
                        /**
                         * At the end of a member, the gzip reader looks for another only if
                         * something is available; a pipe may have nothing yet for the next member
                         * (`cat a.gz b.gz |`), which would end the stream there without a word. So
                         * it always looks: at the real end it meets end of file, and stops.
                         */
                        @Override
                        public int available() throws IOException {
                            return Math.max(1, in.available());
                        }
                    }, BUFFER);
                }
            }

            @Override
            public int read() throws IOException {
                decide();
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                decide();
                return in.read(b, off, len);
            }

            /**
             * Nothing promised: a gzip stream says 1 until its end, and a BufferedInputStream
             * reading through this one then keeps reading into the caller's buffer, and loses
             * what it copied there when a damaged file fails part way (up to a buffer of whole
             * lines before the damage, which the follower, reading on, does keep).
             */
            @Override
            public int available() {
                return 0;
            }
        };
    }
}
