package dev.waybill.ingest;

import static dev.waybill.ingest.ImportPlan.Step.READ;
import static dev.waybill.ingest.ImportPlan.Step.REPLAY;
import static dev.waybill.ingest.ImportPlan.Step.SKIP;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.waybill.store.ImportedFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files a run reads, replays or skips, given what was recorded before; no database needed. */
class ImportPlanTest {

    static final long DAY = 86_400;
    static final long HORIZON = 7 * DAY;
    /** 2026-11-01 00:00:00 UTC. */
    static final long START = 1_793_491_200L;

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** What imported_file would hold, by fingerprint. */
    private final Map<String, ImportedFile> records = new HashMap<>();

    /** A log of {@code lines} lines, one a minute from {@code day} days after START. */
    private LogFileInfo log(String name, int day, int lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text(day, lines));
        return LogFileInfo.of(p, ZoneOffset.UTC);
    }

    private static String text(int day, int lines) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            long t = START + day * DAY + i * 60L;
            b.append(TIME.format(Instant.ofEpochSecond(t)))
                    .append(String.format(" 1vAbcD-%08d-0000 <= sender@example.com H=mx [192.0.2.1] P=esmtp S=%d%n",
                            day * 10_000 + i, 1000 + i));
        }
        return b.toString();
    }

    /** Records {@code f} as read, {@code bytes} bytes of it, its last line {@code lastTime}. */
    private void recorded(LogFileInfo f, long bytes, long lastTime) {
        records.put(HexFormat.of().formatHex(f.fingerprint()),
                new ImportedFile(f.fingerprint(), f.path().toString(), bytes, 1, f.firstTime(), lastTime));
    }

    private void recordedWhole(LogFileInfo f, int day, int lines) throws IOException {
        recorded(f, Files.size(f.path()), START + day * DAY + (lines - 1) * 60L);
    }

    private List<ImportPlan.Step> plan(List<LogFileInfo> files, LogFileInfo next) throws Exception {
        return ImportPlan.of(files, next, fp -> records.get(HexFormat.of().formatHex(fp)), HORIZON);
    }

    @Test
    void of_nothingRecorded_readsEverything() throws Exception {
        assertEquals(List.of(READ, READ), plan(List.of(log("a", 0, 10), log("b", 1, 10)), null));
    }

    @Test
    void of_everythingRecordedAndNothingAfter_skipsEverything() throws Exception {
        LogFileInfo a = log("a", 0, 10);
        LogFileInfo b = log("b", 1, 10);
        recordedWhole(a, 0, 10);
        recordedWhole(b, 1, 10);
        assertEquals(List.of(SKIP, SKIP), plan(List.of(a, b), null));
    }

    @Test
    void of_recordedFilesBeforeOneToRead_replaysThoseWithinTheHorizonOfIt() throws Exception {
        List<LogFileInfo> files = new ArrayList<>();
        for (int day = 0; day < 10; day++) {
            LogFileInfo f = log("exim_mainlog-" + day, day, 1000); // 1000 minutes: each ends the day it began
            recordedWhole(f, day, 1000);
            files.add(f);
        }
        files.add(log("exim_mainlog", 10, 5));
        // Day 10 begins 7 days after day 2 ends (plus 440 minutes): days 3 to 9 may hold messages still open.
        assertEquals(List.of(SKIP, SKIP, SKIP, REPLAY, REPLAY, REPLAY, REPLAY, REPLAY, REPLAY, REPLAY, READ),
                plan(files, null));
    }

    @Test
    void of_allRecordedWithAHandOverFileAfter_replaysForIt() throws Exception {
        LogFileInfo old = log("exim_mainlog.2", 0, 10);
        LogFileInfo recent = log("exim_mainlog.1", 20, 10);
        recordedWhole(old, 0, 10);
        recordedWhole(recent, 20, 10);
        LogFileInfo handOver = log("exim_mainlog", 21, 10);
        assertEquals(List.of(SKIP, REPLAY), plan(List.of(old, recent), handOver));
    }

    @Test
    void of_onceAFileMustBeRead_everyLaterOneIsReadToo() throws Exception {
        LogFileInfo a = log("a", 0, 10);
        LogFileInfo b = log("b", 1, 10);
        LogFileInfo c = log("c", 2, 10);
        recordedWhole(a, 0, 10);
        recordedWhole(c, 2, 10);
        assertEquals(List.of(REPLAY, READ, READ), plan(List.of(a, b, c), null),
                "c was read before, but after b its messages would lack their start");
    }

    @Test
    void of_aLiveLogRecordedWhenShorter_isReadAgainOnceItHasGrown() throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Files.writeString(live, text(0, 100));
        LogFileInfo then = LogFileInfo.of(live, ZoneOffset.UTC);
        recordedWhole(then, 0, 100);
        assertEquals(List.of(SKIP), plan(List.of(then), null), "not grown: nothing new in it");

        Files.writeString(live, text(0, 150));
        LogFileInfo now = LogFileInfo.of(live, ZoneOffset.UTC);
        assertEquals(HexFormat.of().formatHex(then.fingerprint()), HexFormat.of().formatHex(now.fingerprint()),
                "the same file by its first bytes");
        assertEquals(List.of(READ), plan(List.of(now), null), "grown since it was read");
    }

    @Test
    void of_aFileShorterThanItsFingerprint_isNotTakenForReadOnceItGrows() throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Files.writeString(live, "2026-11-01 00:00:00 Start");
        LogFileInfo tiny = LogFileInfo.of(live, ZoneOffset.UTC);
        recorded(tiny, Files.size(live), START);
        assertEquals(List.of(SKIP), plan(List.of(tiny), null));

        Files.writeString(live, "2026-11-01 00:00:00 Start queue run: pid=4242\n" + text(0, 3));
        assertEquals(List.of(READ), plan(List.of(LogFileInfo.of(live, ZoneOffset.UTC)), null));
    }

    @Test
    void of_theRotatedFileCompressedSinceItWasRead_isStillKnownAndCovered() throws Exception {
        LogFileInfo plain = log("exim_mainlog.1", 0, 50);
        recordedWhole(plain, 0, 50);
        Path gz = dir.resolve("exim_mainlog.1.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(Files.readAllBytes(plain.path()));
        }
        Files.delete(plain.path());
        assertEquals(List.of(SKIP), plan(List.of(LogFileInfo.of(gz, ZoneOffset.UTC)), null));
    }

    @Test
    void of_theSameTextTwiceInOneRun_isReadOnce() throws Exception {
        LogFileInfo plain = log("exim_mainlog.1", 0, 50);
        Path gz = dir.resolve("exim_mainlog.1.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(Files.readAllBytes(plain.path()));
        }
        LogFileInfo compressed = LogFileInfo.of(gz, ZoneOffset.UTC);
        assertEquals(List.of(READ, SKIP), plan(List.of(plain, compressed), null));
    }

    @Test
    void of_aRecordWithoutTimes_isReplayedToBeSafe() throws Exception {
        LogFileInfo a = log("a", 0, 10);
        recorded(a, Files.size(a.path()), 0);
        assertEquals(List.of(REPLAY, READ), plan(List.of(a, log("b", 30, 10)), null));
    }

    @Test
    void of_aDamagedCompressedFile_isRead_soThatReadingItSaysWhatIsWrong() throws Exception {
        LogFileInfo plain = log("exim_mainlog.1", 0, 2000);
        Path gz = dir.resolve("exim_mainlog.1.gz");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bytes)) {
            o.write(Files.readAllBytes(plain.path()));
        }
        Files.write(gz, java.util.Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2));
        recordedWhole(plain, 0, 2000);
        assertEquals(List.of(READ), plan(List.of(LogFileInfo.of(gz, ZoneOffset.UTC)), null));
    }

    /**
     * A compressed file recorded as read whole is known by its gzip trailer, which keeps its
     * length: the plan does not decompress it (a run again over months of .gz files would
     * otherwise decompress all of them before the first is read). Bytes damaged in its middle
     * stand for what the plan must not read; the head, where its first time is, is intact.
     */
    @Test
    void of_aCompressedFileRecordedWhole_isKnownWithoutDecompressingItAll() throws Exception {
        LogFileInfo plain = log("exim_mainlog.1", 0, 20_000);
        Path gz = dir.resolve("exim_mainlog.1.gz");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bytes)) {
            o.write(Files.readAllBytes(plain.path()));
        }
        byte[] damaged = bytes.toByteArray();
        for (int i = damaged.length * 2 / 3; i < damaged.length * 2 / 3 + 64; i++) {
            damaged[i] ^= 0x55;
        }
        Files.write(gz, damaged);
        recordedWhole(plain, 0, 20_000);
        LogFileInfo compressed = LogFileInfo.of(gz, ZoneOffset.UTC);
        assertEquals(plain.firstTime(), compressed.firstTime());
        assertEquals(List.of(SKIP), plan(List.of(compressed), null));

        recorded(plain, Files.size(plain.path()) - 1, START + 19_999 * 60L);
        assertEquals(List.of(READ), plan(List.of(compressed), null), "a record of less than it holds does not cover it");
    }

    @Test
    void textLength_countsWhatAFileHoldsOnceDecompressed() throws Exception {
        String text = text(0, 500);
        Path gz = dir.resolve("x.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(text.length(), LogFiles.textLength(gz));
    }

    @Test
    void holdsAtMost_comparesWhatAFileHoldsOnceDecompressed() throws Exception {
        String text = text(0, 500);
        Path gz = dir.resolve("x.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(true, LogFiles.holdsAtMost(gz, text.length()));
        assertEquals(true, LogFiles.holdsAtMost(gz, text.length() + 1L));
        assertEquals(true, LogFiles.holdsAtMost(gz, Long.MAX_VALUE));
        assertEquals(false, LogFiles.holdsAtMost(gz, text.length() - 1L));
        assertEquals(false, LogFiles.holdsAtMost(gz, 0));
    }
}
