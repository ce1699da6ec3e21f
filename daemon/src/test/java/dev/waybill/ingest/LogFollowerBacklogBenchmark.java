package dev.waybill.ingest;

import dev.waybill.sample.SampleLogGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * How fast a {@link LogFollower} reads a backlog: a whole log already on disk (in the page
 * cache after the first round), read batch by batch until its end, lines counted. The same file
 * read by {@link LogLineReader} is printed beside it as the yardstick.
 *
 * <p>Not a test; surefire does not run it. Run it after {@code mvn -pl daemon test-compile}:
 *
 * <pre>
 * java -cp daemon/target/classes:daemon/target/test-classes dev.waybill.ingest.LogFollowerBacklogBenchmark [LINES|FILE]
 * </pre>
 *
 * <p>With a number (default 2,000,000) it generates a cPanel-like log of that many lines with
 * {@link SampleLogGenerator} in a temporary directory; with a path it reads that file.
 */
public final class LogFollowerBacklogBenchmark {

    private static final int ROUNDS = 7;

    private LogFollowerBacklogBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String arg = args.length > 0 ? args[0] : "2000000";
        Path file;
        Path tmp = null;
        if (arg.chars().allMatch(Character::isDigit)) {
            tmp = Files.createTempDirectory("follow-bench");
            file = tmp.resolve("exim_mainlog");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                new SampleLogGenerator(SampleLogGenerator.Options.defaults().withLines(Long.parseLong(arg))).generate(out);
            }
        } else {
            file = Path.of(arg);
        }
        long bytes = Files.size(file);
        System.out.printf("%s: %,d bytes%n", file, bytes);
        try {
            report("LogLineReader", bytes, LogFollowerBacklogBenchmark::readAll, file);
            report("LogFollower  ", bytes, LogFollowerBacklogBenchmark::follow, file);
        } finally {
            if (tmp != null) {
                Files.delete(file);
                Files.delete(tmp);
            }
        }
    }

    private interface Reader {
        long lines(Path file) throws Exception;
    }

    private static void report(String name, long bytes, Reader reader, Path file) throws Exception {
        double[] seconds = new double[ROUNDS];
        long lines = 0;
        for (int i = 0; i < ROUNDS; i++) {
            long t0 = System.nanoTime();
            lines = reader.lines(file);
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(seconds);
        double median = seconds[ROUNDS / 2];
        System.out.printf("%s %,d lines: median %.3f s = %,.0f lines/s, %,.0f MB/s (best %.3f s)%n", name, lines,
                median, lines / median, bytes / median / 1e6, seconds[0]);
    }

    private static long readAll(Path file) throws IOException {
        long n = 0;
        try (LogLineReader r = new LogLineReader(Files.newInputStream(file))) {
            while (r.readLine() != null) {
                n++;
            }
        }
        return n;
    }

    private static long follow(Path file) throws Exception {
        long size = Files.size(file);
        long n = 0;
        long sink = 0;
        try (LogFollower f = new LogFollower(file, null, LogFollower.Options.defaults())) {
            while (f.position() == null || f.position().offset() < size) {
                LogFollower.Batch b = f.next(Duration.ofSeconds(1));
                if (b.isEmpty()) {
                    throw new IllegalStateException("stalled: " + f.state() + ", " + f.detail());
                }
                n += b.lines().size();
                for (LogLine l : b.lines()) {
                    sink += l.text().length();
                }
            }
        }
        if (sink == 0) {
            throw new IllegalStateException("read nothing");
        }
        return n;
    }
}
