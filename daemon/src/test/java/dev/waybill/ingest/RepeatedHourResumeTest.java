package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.exim.LineParser;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon restarted inside the hour that happens twice (the clocks went back) replays from the
 * first line of the oldest open message, which may be in the hour's second pass: with the lines
 * before it shown to the parser, as the daemon does, the times read are those of a whole reading,
 * from the live log and from a rotated, compressed copy of it.
 */
class RepeatedHourResumeTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    @TempDir
    Path dir;

    private static final List<String> LINES = List.of(
            "2026-11-01 00:59:58 1vGx7a-000Abc-1X <= alice@example.com U=alice P=local S=812 for bob@example.net",
            "2026-11-01 01:10:00 1vGx7a-000Abc-1X == bob@example.net R=dnslookup T=remote_smtp defer (-44): busy",
            "2026-11-01 01:59:30 1vGx7b-000Abd-2Y <= carol@example.com U=carol P=local S=640 for dan@example.org",
            "2026-11-01 01:00:20 1vGx7b-000Abd-2Y => dan@example.org R=dnslookup T=remote_smtp H=mx [192.0.2.9]",
            "2026-11-01 01:00:20 1vGx7b-000Abd-2Y Completed",
            "2026-11-01 01:30:00 1vGx7a-000Abc-1X => bob@example.net R=dnslookup T=remote_smtp H=mx [192.0.2.7]",
            "2026-11-01 01:30:00 1vGx7a-000Abc-1X Completed",
            "2026-11-01 02:00:05 Start queue run: pid=4242");

    @Test
    void resumeInTheRepeatedHour_readsTheTimesOfAWholeReading() throws Exception {
        Path log = dir.resolve("exim_mainlog");
        LogFollowerTest.append(log, LINES);
        List<LogPosition> after = positions(log);
        List<Long> whole = times(new LineParser(NEW_YORK), LINES);
        assertTrue(whole.get(3) > whole.get(2), "the delivery in the second pass comes after the arrival");
        assertResumesAgree(log, after, whole);

        // Rotated and compressed while the daemon was down: the lines before come from the copy.
        LogFollowerTest.gzip(log, dir.resolve("exim_mainlog.1.gz"));
        LogFollowerTest.append(log, List.of("2026-11-01 02:01:00 Start queue run: pid=4243"));
        assertResumesAgree(log, after, whole);
    }

    private static void assertResumesAgree(Path log, List<LogPosition> after, List<Long> whole) throws Exception {
        for (int k = 1; k < LINES.size(); k++) {
            LineParser parser = new LineParser(NEW_YORK);
            List<String> rest = LINES.subList(k, LINES.size());
            if (parser.inRepeatedHour(rest.get(0))) {
                assertTrue(LogFollower.linesBefore(log, after.get(k - 1), parser::skip), "found at line " + k);
            }
            assertEquals(whole.subList(k, LINES.size()), times(parser, rest), "resumed at line " + k);
        }
    }

    private static List<Long> times(LineParser parser, List<String> lines) {
        List<Long> times = new ArrayList<>();
        for (String l : lines) {
            times.add(parser.parse(l).time());
        }
        return times;
    }

    /** The position after each line, as the follower reports it. */
    private static List<LogPosition> positions(Path log) throws Exception {
        List<LogPosition> after = new ArrayList<>();
        try (LogFollower f = new LogFollower(log, null, LogFollowerTest.FAST)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (after.size() < LINES.size() && System.nanoTime() < deadline) {
                for (LogLine line : f.next(Duration.ofMillis(50)).lines()) {
                    after.add(line.after());
                }
            }
        }
        assertEquals(LINES.size(), after.size());
        return after;
    }
}
