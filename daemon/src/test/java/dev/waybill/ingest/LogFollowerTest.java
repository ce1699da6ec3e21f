package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogFollower} against real files: real appends, renames, truncations and gzip, in a
 * temporary directory. Poll intervals are short so that the tests are quick.
 */
class LogFollowerTest {

    /** Fast polling; a rotation grace long enough for a test thread's next write. */
    static final LogFollower.Options FAST = LogFollower.Options.defaults()
            .withPollInterval(Duration.ofMillis(5))
            .withRotationGrace(Duration.ofMillis(150))
            .withMaxRetryInterval(Duration.ofMillis(20));

    @TempDir
    Path dir;

    Path log;

    @BeforeEach
    void names() {
        log = dir.resolve("exim_mainlog");
    }

    // ------------------------------------------------------------------ helpers

    /** An Exim-like line; its first 64 bytes differ for every n, as real logs' do. */
    static String line(int n) {
        return String.format("2026-11-28 04:%02d:%02d [%06d] 1vAbcD-%08d-0000 <= sender%d@example.com H=mx [192.0.2.1]",
                n / 60 % 60, n % 60, n, n, n);
    }

    static List<String> lines(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(LogFollowerTest::line).collect(Collectors.toList());
    }

    static void append(Path file, List<String> lines) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l).append('\n');
        }
        appendBytes(file, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void appendBytes(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static long inode(Path file) throws IOException {
        return FileKey.of(file).inode();
    }

    static void gzip(Path from, Path to) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
            Files.copy(from, out);
        }
        Files.delete(from);
    }

    static void truncate(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
    }

    /** What a follower returned. */
    static final class Seen {
        final List<LogLine> lines = new ArrayList<>();
        final List<LogGap> gaps = new ArrayList<>();

        List<String> texts() {
            return lines.stream().map(LogLine::text).collect(Collectors.toList());
        }
    }

    /** Takes batches until {@code n} lines have come, or five seconds have passed. */
    static Seen collect(LogFollower f, int n) throws InterruptedException {
        Seen seen = new Seen();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (seen.lines.size() < n && System.nanoTime() < deadline) {
            LogFollower.Batch b = f.next(Duration.ofMillis(50));
            seen.gaps.addAll(b.gaps());
            seen.lines.addAll(b.lines());
        }
        return seen;
    }

    /** Asserts that nothing more comes within a while (longer than the rotation grace). */
    static void assertNothingMore(LogFollower f) throws InterruptedException {
        LogFollower.Batch b = f.next(Duration.ofMillis(250));
        assertTrue(b.isEmpty(), () -> "expected nothing more, got " + b);
    }

    // ------------------------------------------------------------------ appending

    @Test
    void poll_appendedLines_comeInOrderEachWithThePositionAfterIt() throws Exception {
        append(log, lines(1, 3));
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            Seen seen = collect(f, 3);
            assertEquals(lines(1, 3), seen.texts());
            long offset = 0;
            for (LogLine l : seen.lines) {
                offset += l.text().length() + 1;
                assertEquals(offset, l.after().offset());
                assertEquals(inode(log), l.after().inode());
            }
            assertEquals(LogFollower.State.FOLLOWING, f.state());
            assertEquals(seen.lines.get(2).after(), f.position());

            append(log, lines(4, 5));
            assertEquals(lines(4, 5), collect(f, 2).texts());
            assertEquals(Files.size(log), f.position().offset());
            assertNothingMore(f);
        }
    }

    @Test
    void next_lineWrittenByAnotherThread_arrivesWellWithinASecondAtTheDefaultPollInterval() throws Exception {
        append(log, lines(1, 1));
        try (LogFollower f = new LogFollower(log, null, LogFollower.Options.defaults())) {
            assertEquals(1, collect(f, 1).lines.size());
            long worst = 0;
            for (int i = 2; i <= 6; i++) {
                int n = i;
                CompletableFuture<Long> written = CompletableFuture.supplyAsync(() -> {
                    try {
                        Thread.sleep(30 + n * 17); // land anywhere in the poll interval
                        append(log, List.of(line(n)));
                        return System.nanoTime();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                LogFollower.Batch b = f.next(Duration.ofSeconds(3));
                long arrived = System.nanoTime();
                assertEquals(List.of(line(n)), b.lines().stream().map(LogLine::text).collect(Collectors.toList()));
                worst = Math.max(worst, arrived - written.get());
            }
            assertTrue(worst < Duration.ofMillis(400).toNanos(), "slowest line took " + worst / 1_000_000 + " ms");
        }
    }

    @Test
    void aLogOpenedEmpty_hasAHeadOnceLinesCome_soItsPositionsAreFoundAgainOnceCompressed() throws Exception {
        append(log, lines(1, 2));
        LogPosition last;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            collect(f, 2);
            // logrotate's create: the follower moves on to the new, empty log.
            Files.move(log, dir.resolve("exim_mainlog.1"));
            Files.createFile(log);
            long until = System.nanoTime() + 2_000_000_000L;
            while (f.position().inode() != inode(log)) {
                assertTrue(System.nanoTime() < until, "the follower moved to the new log");
                assertTrue(f.next(Duration.ofMillis(50)).isEmpty());
            }
            assertEquals(0, f.position().headLength(), "opened while empty");
            append(log, lines(3, 3));
            Seen seen = collect(f, 1);
            last = seen.lines.get(0).after();
            assertEquals(LogPosition.HEAD_BYTES, last.headLength(), "a head once the file has one: " + last);
        }
        // While nobody follows it: one more line, then renamed and compressed; a new log begins.
        append(log, lines(4, 4));
        Files.move(dir.resolve("exim_mainlog.1"), dir.resolve("exim_mainlog.2"));
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("exim_mainlog.1.gz")))) {
            Files.copy(log, o);
        }
        Files.delete(log);
        append(log, lines(5, 5));
        try (LogFollower f = new LogFollower(log, last, FAST)) {
            assertEquals(lines(4, 5), collect(f, 2).texts(), "resumed after line 3, in the .gz found by its first bytes");
        }
    }

    @Test
    void poll_partialLine_isHeldUntilItsNewlineArrives() throws Exception {
        appendBytes(log, (line(1) + "\n" + "2026-11-28 04:00:02 half a li").getBytes(StandardCharsets.UTF_8));
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            assertEquals(lines(1, 1), collect(f, 1).texts());
            assertNothingMore(f);
            assertEquals(line(1).length() + 1, f.position().offset());

            appendBytes(log, "ne\r\n".getBytes(StandardCharsets.UTF_8));
            Seen seen = collect(f, 1);
            assertEquals(List.of("2026-11-28 04:00:02 half a line"), seen.texts());
            assertEquals(Files.size(log), seen.lines.get(0).after().offset());
        }
    }

    @Test
    void poll_longLinesCrLfAndInvalidUtf8_areCutExactlyAsLogLineReaderCutsThem() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes((line(1) + " " + "x".repeat(8192) + "\r\n").getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'2', '0', (byte) 0xff, ' ', (byte) 0xc3, '!', ' ', (byte) 0xc3, (byte) 0xa9, '\n'});
        bytes.writeBytes(("T=\"caf\u00e9 \u2603\" " + "y".repeat(8000) + "\n").getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
        byte[] all = bytes.toByteArray();
        // Write it in awkward pieces, polling in between, so lines and UTF-8 sequences are split.
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            Seen seen = new Seen();
            for (int off = 0; off < all.length; off += 997) {
                appendBytes(log, java.util.Arrays.copyOfRange(all, off, Math.min(all.length, off + 997)));
                seen.lines.addAll(f.poll().lines());
            }
            seen.lines.addAll(collect(f, 4 - seen.lines.size()).lines);
            List<String> expected = new ArrayList<>();
            try (LogLineReader r = new LogLineReader(new ByteArrayInputStream(all))) {
                for (String l; (l = r.readLine()) != null; ) {
                    expected.add(l);
                }
            }
            assertEquals(4, expected.size());
            assertEquals(expected, seen.texts());
            assertEquals("20\uFFFD \uFFFD! \u00e9", seen.texts().get(1));
            assertEquals(all.length, seen.lines.get(3).after().offset());
            assertEquals(0, f.truncatedLines());
        }
    }

    @Test
    void poll_overlongLine_keepsItsFirstBytesEvenWhenItArrivesInPieces() throws Exception {
        try (LogFollower f = new LogFollower(log, null, FAST.withMaxLineBytes(100))) {
            appendBytes(log, "a".repeat(150).getBytes(StandardCharsets.UTF_8));
            assertTrue(f.poll().lines().isEmpty());
            appendBytes(log, "b".repeat(70_000).getBytes(StandardCharsets.UTF_8));
            assertTrue(f.poll().lines().isEmpty());
            appendBytes(log, ("c\n" + line(2) + "\n").getBytes(StandardCharsets.UTF_8));
            Seen seen = collect(f, 2);
            assertEquals(List.of("a".repeat(100), line(2)), seen.texts());
            assertEquals(150 + 70_000 + 2, seen.lines.get(0).after().offset());
            assertEquals(Files.size(log), seen.lines.get(1).after().offset());
            assertEquals(1, f.truncatedLines());
        }
    }

    /**
     * A line over the limit is cut whether it arrives with its newline in one read or in pieces,
     * and a line of exactly the limit is whole either way: the same bytes give the same lines
     * whatever the timing, as {@link LogLineReader} gives them.
     */
    @Test
    void poll_lineOverTheLimitArrivingWhole_isCutAsWhenItArrivesInPieces() throws Exception {
        byte[] all = ("a".repeat(150) + "\n" + "b".repeat(100) + "\r\n" + line(3) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        List<String> expected = List.of("a".repeat(100), "b".repeat(100), line(3));
        try (LogLineReader r = new LogLineReader(new ByteArrayInputStream(all), 100)) {
            List<String> read = new ArrayList<>();
            for (String l; (l = r.readLine()) != null; ) {
                read.add(l);
            }
            assertEquals(expected, read);
        }
        appendBytes(log, all);
        try (LogFollower f = new LogFollower(log, null, FAST.withMaxLineBytes(100))) {
            Seen seen = collect(f, 3);
            assertEquals(expected, seen.texts());
            assertEquals(151, seen.lines.get(0).after().offset());
            assertEquals(all.length, seen.lines.get(2).after().offset());
            assertEquals(1, f.truncatedLines());
        }
        Files.delete(log);
        try (LogFollower f = new LogFollower(log, null, FAST.withMaxLineBytes(100))) {
            Seen seen = new Seen();
            for (int off = 0; off < all.length; off += 100) {
                appendBytes(log, java.util.Arrays.copyOfRange(all, off, Math.min(all.length, off + 100)));
                seen.lines.addAll(f.poll().lines());
            }
            seen.lines.addAll(collect(f, 3 - seen.lines.size()).lines);
            assertEquals(expected, seen.texts());
            assertEquals(1, f.truncatedLines());
        }
    }

    @Test
    void poll_batchLimits_splitABacklogIntoBatches() throws Exception {
        append(log, lines(1, 5));
        try (LogFollower f = new LogFollower(log, null, FAST.withMaxBatchLines(2))) {
            assertEquals(lines(1, 2), f.poll().lines().stream().map(LogLine::text).collect(Collectors.toList()));
            assertEquals(lines(3, 4), f.poll().lines().stream().map(LogLine::text).collect(Collectors.toList()));
            assertEquals(lines(5, 5), f.poll().lines().stream().map(LogLine::text).collect(Collectors.toList()));
        }
        try (LogFollower f = new LogFollower(log, null, FAST.withMaxBatchBytes(line(1).length() + 2))) {
            assertEquals(2, f.poll().lines().size()); // the limit is reached with the second line
        }
    }

    // ------------------------------------------------------------------ rotation while running

    @Test
    void renameAndCreate_oldFileIsFinishedIncludingLinesWrittenAfterTheRename_thenTheNewOne() throws Exception {
        append(log, lines(1, 3));
        long oldInode = inode(log);
        try (LogFollower f = new LogFollower(log, null, FAST.withRotationGrace(Duration.ofMillis(400)))) {
            assertEquals(lines(1, 3), collect(f, 3).texts());
            Path rotated = dir.resolve("exim_mainlog.1");
            Files.move(log, rotated);
            append(log, lines(6, 7)); // the new log, created by the first writer to notice
            assertTrue(f.poll().isEmpty());
            assertEquals(LogFollower.State.DRAINING, f.state());
            assertTrue(f.detail().contains("rotated"), f.detail());
            append(rotated, lines(4, 5)); // a writer that still had the old file open

            Seen seen = collect(f, 4);
            assertEquals(lines(4, 7), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertEquals(oldInode, seen.lines.get(1).after().inode());
            assertEquals(Files.size(rotated), seen.lines.get(1).after().offset());
            assertEquals(inode(log), seen.lines.get(2).after().inode());
            assertNotEquals(oldInode, inode(log));
            assertEquals(LogFollower.State.FOLLOWING, f.state());
            assertNothingMore(f);
        }
    }

    /**
     * logrotate with {@code rotate 1} and {@code compress} runs twice while the follower is busy
     * elsewhere (a database outage, a backlog): the file it was reading is deleted (it still
     * holds it open), and the one after it is {@code exim_mainlog.1.gz}. That file is read after
     * the deleted one and before the new log, and older rotated files are not read again.
     */
    @Test
    void twoRotationsWhileBehind_theFinishedFileDeleted_theFileBetweenIsStillRead() throws Exception {
        append(dir.resolve("exim_mainlog.2"), lines(1, 2)); // older than anything followed: never read
        append(log, lines(3, 5));
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            assertEquals(lines(3, 5), collect(f, 3).texts());
            Path first = dir.resolve("exim_mainlog.1");
            Files.move(log, first);
            append(log, lines(6, 8));
            // A late write to the renamed file, stamped after the new log's first line.
            String late = line(7).replace("[000007]", "[late00]");
            append(first, List.of(late));
            Files.delete(dir.resolve("exim_mainlog.2"));
            Files.delete(first); // the second rotation: .1 (the followed file) goes, the log becomes .1.gz
            Files.move(log, first);
            gzip(first, dir.resolve("exim_mainlog.1.gz"));
            append(log, lines(9, 10));
            Seen seen = collect(f, 6);
            List<String> expected = new ArrayList<>(List.of(late));
            expected.addAll(lines(6, 10));
            assertEquals(expected, seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertNothingMore(f);
        }
    }

    @Test
    void renameAndCreate_linesReachingTheOldFileAfterTheFollowerLeftIt_areReportedAsAGap() throws Exception {
        append(log, lines(1, 2));
        Path rotated = dir.resolve("exim_mainlog.1");
        try (LogFollower f = new LogFollower(log, null, FAST.withRotationGrace(Duration.ofMillis(30)))) {
            assertEquals(2, collect(f, 2).lines.size());
            long oldSize = Files.size(log);
            long oldInode = inode(log);
            Files.move(log, rotated);
            append(log, lines(3, 3));
            assertEquals(lines(3, 3), collect(f, 1).texts()); // it has moved on

            append(rotated, lines(99, 99));
            Seen seen = new Seen();
            for (int i = 0; i < 20 && seen.gaps.isEmpty(); i++) {
                LogFollower.Batch b = f.next(Duration.ofMillis(20));
                seen.gaps.addAll(b.gaps());
                seen.lines.addAll(b.lines());
            }
            assertEquals(List.of(), seen.lines);
            assertEquals(1, seen.gaps.size());
            LogGap gap = seen.gaps.get(0);
            assertEquals(line(99).length() + 1, gap.bytes());
            assertEquals(oldInode, gap.from().inode());
            assertEquals(oldSize, gap.from().offset());
            assertTrue(gap.message().contains("rotationGrace"), gap.message());
        }
    }

    /**
     * The log is replaced by a copy of its own text under a new inode (an editor saving it, or
     * {@code sed -i}), and written on. That is not a new log: reading goes on after what was read,
     * as a restart finds it by its first bytes, rather than handing out the whole file again.
     */
    @Test
    void replacedByACopyOfItself_goesOnWhereItWas_asARestartDoes() throws Exception {
        append(log, lines(1, 3));
        LogPosition saved;
        try (LogFollower f = new LogFollower(log, null, FAST.withRotationGrace(Duration.ofMillis(30)))) {
            saved = collect(f, 3).lines.get(2).after();
            Path copy = dir.resolve("exim_mainlog.tmp");
            Files.copy(log, copy);
            Files.move(copy, log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertNotEquals(saved.inode(), inode(log));
            append(log, lines(4, 5));

            Seen seen = collect(f, 2);
            assertEquals(lines(4, 5), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertEquals(inode(log), seen.lines.get(1).after().inode());
            assertEquals(Files.size(log), seen.lines.get(1).after().offset());
            assertNothingMore(f);
        }
        try (LogFollower f = new LogFollower(log, saved, FAST)) {
            assertEquals(lines(4, 5), collect(f, 2).texts());
            assertNothingMore(f);
        }
    }

    @Test
    void rename_withTheNewLogNotCreatedYet_keepsReadingTheOldOneAndWaits() throws Exception {
        append(log, lines(1, 1));
        Path rotated = dir.resolve("exim_mainlog-20261128");
        try (LogFollower f = new LogFollower(log, null, FAST.withRotationGrace(Duration.ofMillis(20)))) {
            assertEquals(1, collect(f, 1).lines.size());
            Files.move(log, rotated);
            Thread.sleep(60); // well past the grace: with no new log, the old one is still kept
            append(rotated, lines(2, 2));
            assertEquals(lines(2, 2), collect(f, 1).texts());
            assertEquals(LogFollower.State.DRAINING, f.state());
            assertTrue(f.detail().contains("renamed or removed"), f.detail());

            append(log, lines(3, 4));
            assertEquals(lines(3, 4), collect(f, 2).texts());
            assertEquals(LogFollower.State.FOLLOWING, f.state());
        }
    }

    @Test
    void copytruncate_unreadLinesComeFromTheCopy_thenTheTruncatedLogFromItsStart() throws Exception {
        append(log, lines(1, 3));
        Path copy = dir.resolve("exim_mainlog.1");
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            assertEquals(lines(1, 3), collect(f, 3).texts());
            append(log, lines(4, 5)); // not read before the rotation
            Files.copy(log, copy);
            truncate(log);
            append(log, lines(6, 7));

            Seen seen = collect(f, 4);
            assertEquals(lines(4, 7), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertEquals(inode(copy), seen.lines.get(1).after().inode());
            assertEquals(Files.size(copy), seen.lines.get(1).after().offset());
            assertEquals(inode(log), seen.lines.get(2).after().inode());
            assertEquals(line(6).length() + 1, seen.lines.get(2).after().offset());
            assertNothingMore(f);
        }
    }

    /**
     * While the follower does not look (its caller held up by a database outage), logrotate
     * copies and truncates the log, and Exim writes the new log past where the follower stood.
     * The unread rest of the copy comes first, then the new log from its first byte: nothing of
     * the new log is read from the old offset as if it were the old file's.
     */
    @Test
    void copytruncate_newLogGrownPastTheOldOffsetBeforeTheFollowerLooks_isStillSeenAsTruncated() throws Exception {
        append(log, lines(1, 3));
        Path copy = dir.resolve("exim_mainlog.1");
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            assertEquals(lines(1, 3), collect(f, 3).texts());
            append(log, lines(4, 5)); // not read before the rotation
            Files.copy(log, copy);
            truncate(log);
            append(log, lines(6, 20)); // longer than the old log was

            Seen seen = collect(f, 17);
            assertEquals(lines(4, 20), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertEquals(inode(copy), seen.lines.get(1).after().inode());
            assertEquals(Files.size(copy), seen.lines.get(1).after().offset());
            assertEquals(line(6).length() + 1, seen.lines.get(2).after().offset());
            assertNothingMore(f);
        }
    }

    @Test
    void truncation_withNoCopy_startsOverAndReportsOnlyTheUnfinishedLineItKnowsIsLost() throws Exception {
        append(log, lines(1, 2));
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            assertEquals(2, collect(f, 2).lines.size());
            truncate(log);
            append(log, lines(3, 3));
            Seen seen = collect(f, 1);
            assertEquals(lines(3, 3), seen.texts());
            assertEquals(List.of(), seen.gaps); // caught up when it happened: nothing lost

            appendBytes(log, "2026-11-28 04:00:04 unfinish".getBytes(StandardCharsets.UTF_8));
            assertTrue(f.poll().isEmpty());
            truncate(log);
            append(log, lines(5, 5));
            seen = collect(f, 1);
            assertEquals(lines(5, 5), seen.texts());
            assertEquals(1, seen.gaps.size());
            assertEquals(28, seen.gaps.get(0).bytes());
            assertEquals(line(3).length() + 1, seen.gaps.get(0).from().offset());
        }
    }

    /**
     * Far behind (a backlog larger than one read), the log is truncated and no copy of it is
     * found (logrotate's copy compressed with xz, or kept elsewhere): the gap says how much the
     * follower had seen the log hold past its last line, not just the bytes it had buffered.
     */
    @Test
    void truncation_withNoCopyWhileFarBehind_reportsEverythingItHadSeenAndNotRead() throws Exception {
        append(log, lines(1, 3000));
        long oldSize = Files.size(log);
        try (LogFollower f = new LogFollower(log, null, FAST.withMaxBatchLines(10))) {
            LogPosition last = null;
            for (int i = 0; i < 2; i++) { // each poll looks at the log's size first
                List<LogLine> got = f.next(Duration.ofSeconds(1)).lines();
                assertEquals(10, got.size());
                last = got.get(9).after();
            }
            truncate(log);
            append(log, lines(5000, 5000));
            Seen seen = collect(f, 1);
            assertEquals(lines(5000, 5000), seen.texts());
            assertEquals(1, seen.gaps.size());
            assertEquals(last, seen.gaps.get(0).from());
            assertEquals(oldSize - last.offset(), seen.gaps.get(0).bytes());
        }
    }

    // ------------------------------------------------------------------ resuming

    @Test
    void resume_fromASavedPositionInTheSameFile_readsOnlyWhatFollowsIt() throws Exception {
        append(log, lines(1, 3));
        String saved;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            saved = collect(f, 3).lines.get(1).after().encode(); // line 3 not done yet
        }
        append(log, lines(4, 4));
        try (LogFollower f = new LogFollower(log, LogPosition.parse(saved), FAST)) {
            Seen seen = collect(f, 2);
            assertEquals(lines(3, 4), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertNothingMore(f);
        }
    }

    /**
     * The configured path is a symbolic link to the log, which logrotate rotates where it really
     * is: its rotated files are found beside the file, not beside the link.
     */
    @Test
    void resume_throughASymbolicLink_findsTheRotatedFilesBesideItsTarget() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path real = data.resolve("mainlog");
        Files.createSymbolicLink(log, Path.of("data", "mainlog"));
        append(real, lines(1, 3));
        LogPosition saved;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            saved = collect(f, 3).lines.get(1).after();
        }
        append(real, lines(4, 4));
        Files.move(real, data.resolve("mainlog.1"));
        append(real, lines(5, 6));
        Files.move(data.resolve("mainlog.1"), data.resolve("mainlog.2"));
        Files.move(real, data.resolve("mainlog.1"));
        append(real, lines(7, 7));
        try (LogFollower f = new LogFollower(log, saved, FAST)) {
            Seen seen = collect(f, 5);
            assertEquals(lines(3, 7), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertNothingMore(f);
        }
    }

    @Test
    void resume_afterARotationToDot1WhileStopped_readsTheRestOfItThenTheNewLog() throws Exception {
        append(log, lines(1, 3));
        LogPosition saved;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            saved = collect(f, 3).lines.get(1).after();
        }
        append(log, lines(4, 4));
        Files.move(log, dir.resolve("exim_mainlog.1"));
        append(log, lines(5, 6));
        try (LogFollower f = new LogFollower(log, saved, FAST)) {
            Seen seen = collect(f, 4);
            assertEquals(lines(3, 6), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertNothingMore(f);
        }
    }

    @Test
    void resume_afterRotationsToGzWhileStopped_decompressesToTheOffsetAndReadsEveryNewerGeneration() throws Exception {
        append(log, lines(1, 1));
        Files.move(log, dir.resolve("exim_mainlog.1"));
        gzip(dir.resolve("exim_mainlog.1"), dir.resolve("exim_mainlog.2.gz")); // older: must not be read
        append(log, lines(2, 4));
        LogPosition saved;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            saved = collect(f, 3).lines.get(0).after(); // line 2 done
        }
        append(log, lines(5, 5));
        // Two rotations while stopped; the saved file ends up compressed, one generation back.
        Files.move(log, dir.resolve("exim_mainlog.1"));
        append(log, lines(6, 7));
        Files.move(dir.resolve("exim_mainlog.1"), dir.resolve("exim_mainlog.2"));
        Files.move(log, dir.resolve("exim_mainlog.1"));
        gzip(dir.resolve("exim_mainlog.2"), dir.resolve("exim_mainlog.2.gz"));
        Files.move(dir.resolve("exim_mainlog.2.gz"), dir.resolve("exim_mainlog.3.gz"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        gzip(dir.resolve("exim_mainlog.1"), dir.resolve("exim_mainlog.2.gz"));
        append(log, lines(8, 8));
        try (LogFollower f = new LogFollower(log, saved, FAST)) {
            Seen seen = collect(f, 6);
            assertEquals(lines(3, 8), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertNothingMore(f);
        }
    }

    /**
     * A rotated {@code .gz} cut short (a disk filled while logrotate compressed it): the follower
     * and a whole-file reader ({@link ParsingReader}, what a first start's backfill and {@code
     * waybill import} use) hand over the same whole lines of it — so a message that ends there is
     * stored by one or the other, never by neither — and not its half-decoded last line, which the
     * follower reports as part of what is lost.
     */
    @Test
    void damagedGz_followerAndWholeFileReaderKeepTheSameWholeLines_andNoHalfLine() throws Exception {
        append(log, lines(1, 1));
        LogPosition saved;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            saved = collect(f, 1).lines.get(0).after();
        }
        append(log, lines(2, 6000));
        Files.move(log, dir.resolve("exim_mainlog.1"));
        gzip(dir.resolve("exim_mainlog.1"), dir.resolve("whole.gz"));
        byte[] gz = Files.readAllBytes(dir.resolve("whole.gz"));
        Path damaged = dir.resolve("exim_mainlog.1.gz");
        Files.write(damaged, java.util.Arrays.copyOf(gz, gz.length / 2));
        Files.delete(dir.resolve("whole.gz"));
        append(log, lines(7000, 7001));

        List<String> whole = new ArrayList<>();
        try (ParsingReader reader = new ParsingReader(LogFiles.open(damaged), java.time.ZoneOffset.UTC, "test")) {
            assertThrows(IOException.class, () -> {
                dev.waybill.exim.ParsedLine[] batch;
                while ((batch = reader.next()) != null) {
                    for (dev.waybill.exim.ParsedLine p : batch) {
                        whole.add(p.text());
                    }
                }
            });
        }
        assertTrue(whole.size() > 2048, "more than one of the reader's batches: " + whole.size());
        assertEquals(lines(1, whole.size()), whole, "whole lines, in order");

        try (LogFollower f = new LogFollower(log, saved, FAST)) {
            Seen seen = collect(f, whole.size() - 1 + 2);
            assertEquals(whole.subList(1, whole.size()), seen.texts().subList(0, whole.size() - 1));
            assertEquals(lines(7000, 7001), seen.texts().subList(whole.size() - 1, seen.texts().size()),
                    "then the new log, and nothing half-read between");
            assertEquals(1, seen.gaps.size(), seen.gaps.toString());
            assertTrue(seen.gaps.get(0).message().contains("could not be read past this point"), seen.gaps.toString());
        }
    }

    @Test
    void resume_fromAPositionInsideAGzFile_continuesInIt() throws Exception {
        append(log, lines(1, 4));
        LogPosition saved;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            saved = collect(f, 4).lines.get(0).after();
        }
        Path gz = dir.resolve("exim_mainlog-20261128.gz");
        Files.move(log, dir.resolve("exim_mainlog-20261128"));
        gzip(dir.resolve("exim_mainlog-20261128"), gz);
        append(log, lines(5, 5));
        LogPosition inGz;
        try (LogFollower f = new LogFollower(log, saved, FAST.withMaxBatchLines(1))) {
            LogFollower.Batch b = f.next(Duration.ofSeconds(2));
            assertEquals(lines(2, 2), b.lines().stream().map(LogLine::text).collect(Collectors.toList()));
            inGz = b.lines().get(0).after();
            assertEquals(inode(gz), inGz.inode()); // positions name the file the bytes came from
            assertEquals(LogFollower.State.DRAINING, f.state());
        }
        try (LogFollower f = new LogFollower(log, inGz, FAST)) {
            assertEquals(lines(3, 5), collect(f, 3).texts());
            assertNothingMore(f);
        }
    }

    @Test
    void resume_whenTheSavedFileIsGone_reportsAGapThenReadsTheLiveLogFromItsStart() throws Exception {
        append(log, lines(1, 2));
        LogPosition saved;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            saved = collect(f, 2).lines.get(1).after();
        }
        Files.move(log, dir.resolve("exim_mainlog.1"));
        Files.delete(dir.resolve("exim_mainlog.1"));
        append(log, lines(3, 4));
        try (LogFollower f = new LogFollower(log, saved, FAST)) {
            LogFollower.Batch first = f.next(Duration.ofSeconds(2));
            assertEquals(1, first.gaps().size());
            assertEquals(saved, first.gaps().get(0).from());
            assertEquals(-1, first.gaps().get(0).bytes());
            assertTrue(first.gaps().get(0).message().contains("neither"), first.gaps().get(0).message());
            Seen rest = collect(f, 2 - first.lines().size());
            List<String> all = new ArrayList<>();
            first.lines().forEach(l -> all.add(l.text()));
            all.addAll(rest.texts());
            assertEquals(lines(3, 4), all);
            assertEquals(List.of(), rest.gaps);
        }
    }

    @Test
    void resume_whenTheSameInodeNowHoldsOtherLines_isNotFooledByTheOffset() throws Exception {
        append(log, lines(1, 2));
        LogPosition saved;
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            saved = collect(f, 2).lines.get(1).after();
        }
        // copytruncate with the copy since deleted: same inode, longer, but other content.
        truncate(log);
        append(log, lines(10, 14));
        assertEquals(saved.inode(), inode(log));
        assertTrue(Files.size(log) > saved.offset());
        try (LogFollower f = new LogFollower(log, saved, FAST)) {
            Seen seen = collect(f, 5);
            assertEquals(lines(10, 14), seen.texts());
            assertEquals(1, seen.gaps.size());
        }
    }

    // ------------------------------------------------------------------ trouble

    @Test
    void missingAtStart_thenCreated_isReadFromItsFirstByte() throws Exception {
        Path deep = dir.resolve("not/yet/exim_mainlog");
        try (LogFollower f = new LogFollower(deep, null, FAST)) {
            assertEquals(LogFollower.State.STARTING, f.state());
            assertTrue(f.next(Duration.ofMillis(30)).isEmpty());
            assertEquals(LogFollower.State.MISSING, f.state());
            assertTrue(f.detail().contains(deep.toString()), f.detail());
            assertEquals(null, f.position());

            Files.createDirectories(deep.getParent());
            append(deep, lines(1, 2));
            assertEquals(lines(1, 2), collect(f, 2).texts());
            assertEquals(LogFollower.State.FOLLOWING, f.state());
        }
    }

    @Test
    void failingRead_isAStateNotAnException_andTheFollowerRecovers() throws Exception {
        Files.createDirectory(log); // opens, but every read fails: EISDIR
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            assertTrue(f.next(Duration.ofMillis(50)).isEmpty());
            assertEquals(LogFollower.State.FAILING, f.state());
            assertTrue(f.detail().contains("Is a directory"), f.detail());

            Files.delete(log);
            append(log, lines(1, 1));
            assertEquals(lines(1, 1), collect(f, 1).texts());
            assertEquals(LogFollower.State.FOLLOWING, f.state());
        }
    }

    @Test
    void interruptedPoll_closesTheChannel_andTheFollowerFindsItsPlaceAgain() throws Exception {
        append(log, lines(1, 2));
        try (LogFollower f = new LogFollower(log, null, FAST)) {
            assertEquals(2, collect(f, 2).lines.size());
            append(log, lines(3, 3));
            Thread.currentThread().interrupt(); // an interrupted thread's FileChannel read closes the channel
            LogFollower.Batch b = f.poll();
            assertTrue(Thread.interrupted(), "the interrupt is still there for the caller");
            assertTrue(b.isEmpty(), b::toString);
            assertEquals(LogFollower.State.FAILING, f.state());
            assertTrue(f.detail().contains("interrupted"), f.detail());

            Seen seen = collect(f, 1);
            assertEquals(lines(3, 3), seen.texts());
            assertEquals(List.of(), seen.gaps);
            assertEquals(LogFollower.State.FOLLOWING, f.state());
            assertNothingMore(f);
        }
    }

    @Test
    void options_badValues_areRefusedNamingTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FAST.withPollInterval(Duration.ZERO));
        assertTrue(e.getMessage().startsWith("pollInterval"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FAST.withRotationGrace(Duration.ofMillis(-1)));
        assertTrue(e.getMessage().startsWith("rotationGrace"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FAST.withMaxBatchLines(0));
        assertTrue(e.getMessage().startsWith("maxBatchLines"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FAST.withMaxLineBytes(0));
        assertTrue(e.getMessage().startsWith("maxLineBytes"), e.getMessage());
    }

    @Test
    void close_stopsEverything() throws Exception {
        append(log, lines(1, 1));
        LogFollower f = new LogFollower(log, null, FAST);
        f.close();
        assertTrue(f.next(Duration.ofMillis(20)).isEmpty());
        assertEquals(LogFollower.State.CLOSED, f.state());
    }
}
