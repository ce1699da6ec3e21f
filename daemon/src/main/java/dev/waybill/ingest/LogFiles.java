package dev.waybill.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
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
        return decompressIfGzip(Files.newInputStream(file));
    }

    /** Wraps {@code raw} in a gzip decoder when its first two bytes are 0x1f 0x8b. */
    public static InputStream decompressIfGzip(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            return new GZIPInputStream(in, BUFFER);
        }
        return in;
    }
}
