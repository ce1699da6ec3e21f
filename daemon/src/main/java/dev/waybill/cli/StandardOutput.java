package dev.waybill.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard output or error of the CLI: UTF-8 whatever the locale (Java's own streams follow it,
 * and under LANG=C, a cron job's or env -i's, would write each character outside ASCII as '?'),
 * and aware of a reader that left the pipe ({@code waybill export | head -1}), which is no
 * failure to explain on the terminal.
 */
final class StandardOutput extends PrintStream {

    private final Watch watch;

    private StandardOutput(Watch watch) {
        super(new BufferedOutputStream(watch, 8192), true, StandardCharsets.UTF_8);
        this.watch = watch;
    }

    static StandardOutput of(FileDescriptor fd) {
        return new StandardOutput(new Watch(new FileOutputStream(fd)));
    }

    /** Whether {@code out} failed because its reader closed the pipe (EPIPE). */
    static boolean readerGone(PrintStream out) {
        return out instanceof StandardOutput s && s.watch.readerGone;
    }

    /** Notes an EPIPE on its way up; {@link PrintStream} keeps only that some write failed. */
    private static final class Watch extends FilterOutputStream {
        volatile boolean readerGone;

        Watch(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                readerGone |= e.getMessage() != null && e.getMessage().startsWith("Broken pipe");
                throw e;
            }
        }
    }
}
