package dev.waybill.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogWriterTest {

    private static String written(java.util.function.Consumer<LogWriter> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogWriter w = new LogWriter(out);
        lines.accept(w);
        w.flush();
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void begin_anyInstant_printsTheSameAsJavaTime() {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
        SplittableRandom r = new SplittableRandom(1);
        long[] edges = {0L, 951_782_399_000L, 951_782_400_000L, 1_709_251_199_999L, 1_709_251_200_000L,
            4_102_444_799_000L};
        for (int i = 0; i < 20_000; i++) {
            long t = i < edges.length ? edges[i] : r.nextLong(0, 4_102_444_800_000L);
            String line = written(w -> w.begin(t).append("x").end());
            assertEquals(f.format(Instant.ofEpochMilli(t)) + " x\n", line, "epoch millis " + t);
        }
    }

    @Test
    void appendQuoted_escapesQuotesBackslashesAndNewlines() {
        assertEquals("\"a \\\"b\\\" c:\\\\d\\ne\"", written(w -> w.appendQuoted("a \"b\" c:\\d\ne")));
    }

    @Test
    void numbersAndDurations_printLikeExim() {
        assertEquals("0 7 -42 9223372036854775807 003", written(w -> w.append(0L).append(' ').append(7L).append(' ')
                .append(-42L).append(' ').append(Long.MAX_VALUE).append(' ').appendPadded(3, 3)));
        assertEquals("0s 59s 1m 1h1m1s 2d3h", written(w -> w.appendDuration(0).append(' ').appendDuration(59)
                .append(' ').appendDuration(60).append(' ').appendDuration(3661).append(' ')
                .appendDuration(2 * 86400 + 3 * 3600)));
        assertEquals("203.0.113.255", written(w -> w.appendIp(203 << 24 | 0 << 16 | 113 << 8 | 255)));
    }
}
