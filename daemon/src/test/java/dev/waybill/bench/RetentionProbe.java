package dev.waybill.bench;

import com.google.gson.JsonObject;
import dev.waybill.client.SocketClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What users see while a retention pass runs: for SECONDS, a message appended to the live log
 * and waited for until {@code search} finds it ({@link FreshnessProbe#probe}), then the newest
 * page of a random account, again and again. Prints one line per round, {@code EPOCH_MS
 * FRESHNESS_MS PAGE_MS}, for {@code daemon/bench/retention.sh} to split into before, during and
 * after the pass. Never run by the build.
 *
 * <p>Usage: {@code RetentionProbe SOCKET LIVE_LOG CPANEL_ROOT SECONDS} — as root, which may
 * narrow a search to any account with {@code user}.
 */
public final class RetentionProbe {

    private RetentionProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        Path log = Path.of(args[1]);
        List<String> users = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[2], "etc/trueuserdomains"))) {
            users.add(line.substring(line.indexOf(':') + 1).strip());
        }
        long end = System.currentTimeMillis() + Long.parseLong(args[3]) * 1000;
        Random random = new Random(11);
        try (SocketClient c = SocketClient.connect(socket)) {
            for (int i = 0; System.currentTimeMillis() < end; i++) {
                long at = System.currentTimeMillis();
                long fresh = FreshnessProbe.probe(c, log, i);
                JsonObject p = new JsonObject();
                p.addProperty("user", users.get(random.nextInt(users.size())));
                p.addProperty("limit", 250);
                long t0 = System.nanoTime();
                c.call("search", p);
                long page = (System.nanoTime() - t0) / 1_000_000;
                System.out.println(at + " " + fresh + " " + page);
                Thread.sleep(50);
            }
        }
    }
}
