package dev.waybill.bench;

import com.google.gson.JsonObject;
import dev.waybill.client.SocketClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * Freshness: how long from a message's lines being appended to the live main log until
 * {@code search} finds it, measured against a running daemon (whatever else it is doing — the
 * script runs an import of a backlog at the same time). Prints p50/p99/max. Run by
 * {@code daemon/bench/freshness.sh}; never by the build.
 *
 * <p>Usage: {@code FreshnessProbe SOCKET LIVE_LOG [MESSAGES]}; log times are written in UTC.
 */
public final class FreshnessProbe {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private FreshnessProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        Path log = Path.of(args[1]);
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        long[] ms = new long[n];
        try (SocketClient c = SocketClient.connect(socket)) {
            for (int i = 0; i < n; i++) {
                ms[i] = probe(c, log, i);
                Thread.sleep(50);
            }
        }
        Arrays.sort(ms);
        System.out.printf("freshness over %d messages: p50 %d ms, p99 %d ms, max %d ms%n", n, ms[n / 2],
                ms[(int) (n * 0.99)], ms[n - 1]);
    }

    /**
     * Appends message number {@code i} (a delivery, three lines) to {@code log} and waits until
     * {@code search} finds it: the milliseconds that took.
     */
    static long probe(SocketClient c, Path log, int i) throws Exception {
        String id = "1zZ" + b62(i / 3844, 3) + "-" + b62(i, 6) + "-fr";
        String t = LocalDateTime.now(ZoneOffset.UTC).format(TIME);
        String lines = t + " " + id + " <= probe@remote.test H=mx.remote.test [192.0.2.7]:25 P=esmtp S=900"
                + " T=\"freshness " + i + "\" for someone@example.net\n"
                + t + " " + id + " => someone@example.net R=dkim_lookuphost T=dkim_remote_smtp"
                + " H=mx.example.net [192.0.2.8] C=\"250 ok\"\n"
                + t + " " + id + " Completed\n";
        long t0 = System.nanoTime();
        Files.write(log, lines.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        JsonObject p = new JsonObject();
        p.addProperty("msgid", id);
        p.addProperty("counts", false);
        while (c.call("search", p).getAsJsonArray("rows").isEmpty()) {
            if (System.nanoTime() - t0 > 30_000_000_000L) {
                throw new IOException(id + " not visible after 30 s");
            }
            Thread.sleep(2);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static String b62(int v, int width) {
        char[] c = new char[width];
        for (int i = width - 1; i >= 0; i--) {
            c[i] = BASE62.charAt(v % 62);
            v /= 62;
        }
        return new String(c);
    }
}
