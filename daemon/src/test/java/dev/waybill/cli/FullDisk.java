package dev.waybill.cli;

import java.io.IOException;
import java.io.OutputStream;

/** Output to a full disk: every write fails as the kernel says it, and is counted. */
final class FullDisk extends OutputStream {
    private int writes;

    /** The writes tried so far. */
    int writes() {
        return writes;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        writes++;
        throw new IOException("No space left on device");
    }
}
