package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class LogLineReaderTest {

    /** Hands out at most {@code chunk} bytes per read, to split lines across buffer refills. */
    private static InputStream trickle(byte[] data, int chunk) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
    }

    private static List<String> readAll(LogLineReader r) throws IOException {
        List<String> lines = new ArrayList<>();
        String l;
        while ((l = r.readLine()) != null) {
            lines.add(l);
        }
        return lines;
    }

    @Test
    void readLine_splitsOnNewlineDropsCrAndKeepsLastUnterminatedLine() throws IOException {
        byte[] data = "one\r\ntwo\n\nthree".getBytes(StandardCharsets.UTF_8);
        try (LogLineReader r = new LogLineReader(trickle(data, 3))) {
            assertEquals(List.of("one", "two", "", "three"), readAll(r));
            assertEquals(data.length, r.offset());
        }
    }

    @Test
    void readLine_emptyInput_isNoLines() throws IOException {
        try (LogLineReader r = new LogLineReader(new ByteArrayInputStream(new byte[0]))) {
            assertNull(r.readLine());
            assertEquals(0, r.offset());
        }
    }

    @Test
    void readLine_tracksTheByteOffsetOfEachLine() throws IOException {
        byte[] data = "é1\nabc\nxy\n".getBytes(StandardCharsets.UTF_8); // é is two bytes
        try (LogLineReader r = new LogLineReader(trickle(data, 2))) {
            r.readLine();
            assertEquals(0, r.lineOffset());
            assertEquals(4, r.offset());
            r.readLine();
            assertEquals(4, r.lineOffset());
            r.readLine();
            assertEquals(8, r.lineOffset());
            assertEquals(11, r.offset());
        }
    }

    @Test
    void readLine_invalidUtf8_becomesReplacementCharacters() throws IOException {
        byte[] data = {'a', (byte) 0xff, (byte) 0xc3, 'b', '\n', 'o', 'k', '\n'};
        try (LogLineReader r = new LogLineReader(new ByteArrayInputStream(data))) {
            assertEquals(List.of("a\uFFFD\uFFFDb", "ok"), readAll(r));
        }
    }

    @Test
    void readLine_overlongLine_isCutAndTheNextLineIsIntact() throws IOException {
        String longLine = "x".repeat(300_000);
        byte[] data = (longLine + "\nnext\n").getBytes(StandardCharsets.UTF_8);
        try (LogLineReader r = new LogLineReader(trickle(data, 7000), 1000)) {
            String first = r.readLine();
            assertEquals(1000, first.length());
            assertEquals(1, r.truncatedLines());
            assertEquals(300_001, r.offset());
            assertEquals("next", r.readLine());
            assertEquals(300_001, r.lineOffset());
            assertNull(r.readLine());
        }
    }

    /**
     * Whether a line is cut must not depend on how the stream happened to hand out its bytes: a
     * line over the limit is cut also when it and its newline arrive in one read, and a line of
     * exactly the limit is kept whole also when its newline comes in a later read.
     */
    @Test
    void readLine_lineOverTheLimit_isCutHoweverItsBytesArrive() throws IOException {
        byte[] data = ("x".repeat(1500) + "\n" + "y".repeat(1000) + "\r\nnext\n").getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[] {data.length, 1000, 700, 1}) {
            try (LogLineReader r = new LogLineReader(trickle(data, chunk), 1000)) {
                assertEquals(List.of("x".repeat(1000), "y".repeat(1000), "next"), readAll(r), "chunk " + chunk);
                assertEquals(1, r.truncatedLines(), "chunk " + chunk);
                assertEquals(data.length, r.offset(), "chunk " + chunk);
            }
        }
    }

    @Test
    void readLine_eightKilobyteLine_isKeptWhole() throws IOException {
        String line = "2024-03-01 10:00:00 " + "y".repeat(8192);
        try (LogLineReader r = new LogLineReader(trickle((line + "\n").getBytes(StandardCharsets.UTF_8), 1000))) {
            assertEquals(line, r.readLine());
            assertEquals(0, r.truncatedLines());
        }
    }

    @Test
    void open_gzipIsDetectedByContent() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write("zipped line\n".getBytes(StandardCharsets.UTF_8));
        }
        try (LogLineReader r = new LogLineReader(LogFiles.decompressing(new ByteArrayInputStream(bytes.toByteArray())))) {
            assertEquals(List.of("zipped line"), readAll(r));
        }
        try (LogLineReader r = new LogLineReader(LogFiles.decompressing(
                new ByteArrayInputStream("plain\n".getBytes(StandardCharsets.UTF_8))))) {
            assertEquals(List.of("plain"), readAll(r));
        }
    }

    @Test
    void constructor_rejectsNonPositiveLimit() {
        assertThrows(IllegalArgumentException.class, () -> new LogLineReader(InputStream.nullInputStream(), 0));
    }

    /** Whether the line just read lacked its newline: only a last line can, and only one that does says so. */
    @Test
    void unterminated_saysWhetherTheLastLineLackedItsNewline() throws IOException {
        try (LogLineReader r = new LogLineReader(trickle("one\ntwo".getBytes(StandardCharsets.UTF_8), 2))) {
            assertEquals("one", r.readLine());
            assertEquals(false, r.unterminated());
            assertEquals("two", r.readLine());
            assertEquals(true, r.unterminated());
        }
        try (LogLineReader r = new LogLineReader(new ByteArrayInputStream("one\n".getBytes(StandardCharsets.UTF_8)))) {
            assertEquals("one", r.readLine());
            assertNull(r.readLine());
            assertEquals(false, r.unterminated());
        }
    }

    /**
     * An over-long last line that is still being written (no {@code \n} yet) says so too: a reader
     * of a live log holds it back rather than store its cut text as a finished line.
     */
    @Test
    void unterminated_anOverlongLastLineWithoutNewline_saysSo() throws IOException {
        byte[] data = ("one\n" + "x".repeat(2500)).getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[] {data.length, 700}) {
            try (LogLineReader r = new LogLineReader(trickle(data, chunk), 1000)) {
                assertEquals("one", r.readLine());
                assertEquals(false, r.unterminated());
                assertEquals("x".repeat(1000), r.readLine());
                assertEquals(true, r.unterminated(), "chunk " + chunk);
                assertEquals(data.length, r.offset());
                assertNull(r.readLine());
            }
        }
        byte[] whole = ("x".repeat(2500) + "\n").getBytes(StandardCharsets.UTF_8);
        try (LogLineReader r = new LogLineReader(trickle(whole, 700), 1000)) {
            assertEquals("x".repeat(1000), r.readLine());
            assertEquals(false, r.unterminated());
        }
    }

    /** What a compressed log holds is known from its last bytes, for a progress that weighs text, not disk. */
    @Test
    void logFileInfo_aCompressedFilesTextSize_isWhatItDecompressesTo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        String text = "2026-11-28 03:55:46 exim 4.96 daemon started: pid=6500\n".repeat(5000);
        java.nio.file.Path gz = dir.resolve("exim_mainlog.1.gz");
        try (GZIPOutputStream out = new GZIPOutputStream(java.nio.file.Files.newOutputStream(gz))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        LogFileInfo info = LogFileInfo.of(gz, java.time.ZoneOffset.UTC);
        assertEquals(true, info.compressed());
        assertEquals(text.length(), info.textSize());
        java.nio.file.Path plain = dir.resolve("exim_mainlog");
        java.nio.file.Files.writeString(plain, text);
        assertEquals(text.length(), LogFileInfo.of(plain, java.time.ZoneOffset.UTC).textSize());
    }
}
