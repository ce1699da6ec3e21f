package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files a first start's backfill reads, and how far, whatever rotation did meanwhile. */
class BackfillTest {

    static final String OLD = "2026-11-27 10:00:00 old line\n";
    static final String HANDED = "2026-11-28 09:00:00 first line of the hand-over file, long enough for a head\n"
            + "2026-11-28 09:00:01 second line\n";
    static final String AFTER = "2026-11-28 09:05:00 written after the hand-over\n";

    private static LogPosition handOver(Path live) throws IOException {
        byte[] bytes = Files.readAllBytes(live);
        int head = Math.min(LogPosition.HEAD_BYTES, bytes.length);
        FileKey key = FileKey.of(live);
        return new LogPosition(key.device(), key.inode(), HANDED.length(), head, LogPosition.hashHead(bytes, head));
    }

    private static Backfill backfill(Path log, LogPosition until) {
        return new Backfill(log, until, ZoneOffset.UTC, null, null, 30, line -> { });
    }

    @Test
    void sources_liveLogUnrotated_readsTheRotatedOnesThenTheLiveOneUpToTheHandOver(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("exim_mainlog");
        Files.writeString(dir.resolve("exim_mainlog.1"), OLD);
        Files.writeString(log, HANDED + AFTER);
        LogPosition until = handOver(log);
        assertEquals(List.of(new Backfill.Source(dir.resolve("exim_mainlog.1"), -1),
                new Backfill.Source(log, HANDED.length())), backfill(log, until).sources());
    }

    @Test
    void sources_handOverFileRotatedAndCompressed_isFoundByItsHeadAndReadOnlyUpToTheHandOver(@TempDir Path dir)
            throws Exception {
        Path log = dir.resolve("exim_mainlog");
        Files.writeString(log, HANDED + AFTER);
        LogPosition until = handOver(log);
        // Rotated while the daemon was down: the hand-over file is now .1.gz (a new inode), the
        // old .1 is .2, and a new live log holds only what came after.
        Files.writeString(dir.resolve("exim_mainlog.2"), OLD);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("exim_mainlog.1.gz")))) {
            o.write(Files.readAllBytes(log));
        }
        Files.delete(log);
        Files.writeString(log, AFTER);
        Backfill b = backfill(log, until);
        List<Backfill.Source> sources = b.sources();
        assertEquals(List.of(new Backfill.Source(dir.resolve("exim_mainlog.2"), -1),
                new Backfill.Source(dir.resolve("exim_mainlog.1.gz"), HANDED.length())), sources);
        try (var in = sources.get(1).open()) {
            assertEquals(HANDED, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void sources_handOverFileGone_readsNothingPastIt(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("exim_mainlog");
        Files.writeString(log, HANDED);
        LogPosition until = handOver(log);
        Files.delete(log);
        Files.writeString(log, AFTER + AFTER + AFTER);
        assertEquals(List.of(), backfill(log, until).sources());
    }

    @Test
    void sources_liveLogEmptyAtTheHandOver_readsEveryRotatedFile(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("exim_mainlog");
        Files.writeString(dir.resolve("exim_mainlog.2"), OLD);
        Files.writeString(dir.resolve("exim_mainlog.1"), HANDED);
        Files.writeString(log, "");
        FileKey key = FileKey.of(log);
        LogPosition until = new LogPosition(key.device(), key.inode(), 0, 0, LogPosition.hashHead(new byte[0], 0));
        assertEquals(List.of(new Backfill.Source(dir.resolve("exim_mainlog.2"), -1),
                new Backfill.Source(dir.resolve("exim_mainlog.1"), -1), new Backfill.Source(log, 0)),
                backfill(log, until).sources());
    }
}
