package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer thread writes numbered lines the way Exim does, a rotator renames or copies and
 * truncates the log at random moments (shifting and compressing older generations like
 * logrotate), and the consumer saves positions and now and then "crashes": drops its follower,
 * maybe stays down across a rotation or two, and starts a new one from the last saved position.
 * At the end every numbered line must have been seen exactly once, in order, with no gap.
 *
 * <p>copytruncate loses the lines written between the copy and the truncate, by design; the
 * rotator therefore holds the writer still during those two steps, as the test of everything
 * else. The seed is printed on failure; {@code -Dwaybill.seed=N} repeats a run.
 */
class LogFollowerRandomizedTest {

    private static final int LINES = 150_000;

    @TempDir
    Path dir;

    /** Writes like Exim: whole lines, appended; notices a rotated log only every few milliseconds. */
    private static final class Writer extends Thread {
        final Path log;
        final Random rnd;
        /** Held while writing a burst; the rotator takes it to keep copy and truncate atomic. */
        final ReentrantLock writing = new ReentrantLock();
        final AtomicInteger written = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private FileChannel out;
        private FileKey outKey;
        private long checkedAt;

        Writer(Path log, Random rnd) {
            super("random-writer");
            this.log = log;
            this.rnd = rnd;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                int n = 1;
                while (n <= LINES) {
                    int burst = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 2000 : 150);
                    writing.lock();
                    try {
                        for (int i = 0; i < burst && n <= LINES; i++, n++) {
                            reopenIfRotated();
                            writeLine(n);
                            written.set(n);
                        }
                    } finally {
                        writing.unlock();
                    }
                    Thread.sleep(rnd.nextInt(8));
                }
                out.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        /** Exim stats the log before writing and reopens it when the inode changed; we look less often. */
        private void reopenIfRotated() throws IOException {
            long now = System.nanoTime();
            if (out != null && now - checkedAt < 5_000_000) {
                return;
            }
            checkedAt = now;
            FileKey key;
            try {
                key = FileKey.of(log);
            } catch (NoSuchFileException e) {
                key = null;
            }
            if (out == null || !outKey.equals(key)) {
                if (out != null) {
                    out.close();
                }
                out = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                outKey = FileKey.of(log);
            }
        }

        private void writeLine(int n) throws IOException {
            String padding = rnd.nextInt(2000) == 0 ? "L".repeat(8000) : "p".repeat(rnd.nextInt(200));
            byte[] b = (LogFollowerTest.line(n) + " " + padding + " \u00e9\n").getBytes(StandardCharsets.UTF_8);
            if (rnd.nextInt(50) == 0) {
                // A read may land between two writes of one line.
                int cut = 1 + rnd.nextInt(b.length - 1);
                out.write(ByteBuffer.wrap(b, 0, cut));
                Thread.yield();
                out.write(ByteBuffer.wrap(b, cut, b.length - cut));
            } else {
                out.write(ByteBuffer.wrap(b));
            }
        }
    }

    /** Rotates like logrotate: shift generations up, then rename (or copy and truncate) the log. */
    private static final class Rotator extends Thread {
        final Path dir;
        final Path log;
        final Writer writer;
        final Random rnd;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean stop;
        int renames;
        int copytruncates;
        int generations;

        Rotator(Path dir, Writer writer, Random rnd) {
            super("random-rotator");
            this.dir = dir;
            this.log = writer.log;
            this.writer = writer;
            this.rnd = rnd;
            setDaemon(true);
        }

        Path gen(int k, boolean gz) {
            return dir.resolve("exim_mainlog." + k + (gz ? ".gz" : ""));
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    Thread.sleep(40 + rnd.nextInt(160));
                    if (!Files.exists(log) || Files.size(log) == 0) {
                        continue; // notifempty
                    }
                    boolean copytruncate = rnd.nextInt(10) < 4;
                    shift();
                    if (copytruncate) {
                        writer.writing.lock();
                        try {
                            Files.copy(log, gen(1, false));
                            try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                                ch.truncate(0);
                            }
                        } finally {
                            writer.writing.unlock();
                        }
                        copytruncates++;
                        if (rnd.nextBoolean()) {
                            gzip(gen(1, false), gen(1, true)); // nobody writes to a copy: compress at once
                        }
                    } else {
                        Files.move(log, gen(1, false));
                        if (rnd.nextBoolean()) {
                            try {
                                Files.createFile(log); // logrotate's "create"; otherwise the writer creates it
                            } catch (java.nio.file.FileAlreadyExistsException writerWasFirst) {
                                // the writer opened a new log before logrotate could: the same end state
                            }
                        }
                        renames++;
                    }
                    // delaycompress: the previous generation, which no writer can still hold.
                    if (Files.exists(gen(2, false)) && rnd.nextBoolean()) {
                        gzip(gen(2, false), gen(2, true));
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        private void shift() throws IOException {
            for (int k = generations; k >= 1; k--) {
                for (boolean gz : new boolean[] {false, true}) {
                    if (Files.exists(gen(k, gz))) {
                        Files.move(gen(k, gz), gen(k + 1, gz));
                    }
                }
            }
            generations++;
        }

        private static void gzip(Path from, Path to) throws IOException {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
                Files.copy(from, out);
            }
            Files.delete(from);
        }
    }

    /** The files in {@code dir} with inode and size, for failure messages. */
    private static String listing(Path dir) throws IOException {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                try {
                    b.append(p.getFileName()).append('(').append(FileKey.of(p).inode()).append(',')
                            .append(Files.size(p)).append(") ");
                } catch (IOException e) {
                    b.append(p.getFileName()).append("(gone) ");
                }
            }
        }
        return b.toString();
    }

    private static int number(String line) {
        int open = line.indexOf('[');
        return Integer.parseInt(line.substring(open + 1, line.indexOf(']', open)));
    }

    @Test
    void randomRotationsAndCrashes_everyLineIsSeenExactlyOnceInOrder() throws Exception {
        long seed = Long.getLong("waybill.seed", System.nanoTime());
        String run = "seed " + seed + " (-Dwaybill.seed=" + seed + ")";
        Random rnd = new Random(seed);
        Path log = dir.resolve("exim_mainlog");
        Writer writer = new Writer(log, new Random(rnd.nextLong()));
        Rotator rotator = new Rotator(dir, writer, new Random(rnd.nextLong()));
        LogFollower.Options options = LogFollower.Options.defaults()
                .withPollInterval(Duration.ofMillis(5))
                .withMaxBatchLines(200 + rnd.nextInt(2800)); // small enough to cut batches, not to crawl

        List<LogGap> gaps = new ArrayList<>();
        String stuck;
        int expected = 1;
        int crashes = 0;
        String saved = null; // what a database would hold
        writer.start();
        rotator.start();
        LogFollower follower = new LogFollower(log, null, options);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try {
            while (expected <= LINES && System.nanoTime() < deadline) {
                if (writer.written.get() == LINES) {
                    rotator.stop = true;
                }
                LogFollower.Batch batch = follower.next(Duration.ofMillis(20));
                gaps.addAll(batch.gaps());
                boolean crash = saved != null && rnd.nextInt(12) == 0;
                int take = crash ? rnd.nextInt(batch.lines().size() + 1) : batch.lines().size();
                for (int i = 0; i < take; i++) {
                    LogLine l = batch.lines().get(i);
                    int n = number(l.text());
                    if (n != expected) {
                        throw new AssertionError("expected line " + expected + ", got " + n + " at " + l.after()
                                + " after " + crashes + " crashes; gaps " + gaps + "; " + run);
                    }
                    assertTrue(l.text().endsWith(" \u00e9"), l.text());
                    expected++;
                    saved = l.after().encode();
                }
                if (crash) {
                    follower.close();
                    crashes++;
                    Thread.sleep(rnd.nextInt(4) == 0 ? rnd.nextInt(400) : 0); // down across rotations, sometimes
                    follower = new LogFollower(log, LogPosition.parse(saved), options);
                }
            }
        } finally {
            stuck = follower.state() + ": " + follower.detail() + " at " + follower.position() + "; saved " + saved
                    + "; files " + listing(dir);
            follower.close();
            rotator.stop = true;
            rotator.join(5000);
            writer.join(5000);
        }
        assertEquals(null, writer.failure.get(), run);
        assertEquals(null, rotator.failure.get(), run);
        assertEquals(List.of(), gaps, run);
        assertEquals(LINES + 1, expected, "lines seen; follower " + stuck + "; " + run);
        // The run must have exercised what it claims to.
        assertTrue(rotator.renames >= 3 && rotator.copytruncates >= 3,
                rotator.renames + " renames, " + rotator.copytruncates + " copytruncates; " + run);
        assertTrue(crashes >= 3, crashes + " crashes; " + run);
        System.out.printf("randomized follow: %d lines, %d renames, %d copytruncates, %d crashes, %s%n", LINES,
                rotator.renames, rotator.copytruncates, crashes, run);
    }
}
