package dev.waybill.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.waybill.client.SocketClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Round-trip latency of the socket's questions against a running daemon and its store, one client
 * at a time: the newest page (250 rows) of one account, all mail to one address, one message's
 * story, and {@code health}. Prints p50/p99 per question. Run by {@code daemon/bench/query-latency.sh};
 * never by the build.
 *
 * <p>Usage: {@code QueryLatency SOCKET CPANEL_ROOT [REQUESTS]} — as root, which may narrow a
 * search to any account with {@code user} (the same SQL as that account's own view).
 */
public final class QueryLatency {

    private QueryLatency() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        List<String> users = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1], "etc/trueuserdomains"))) {
            users.add(line.substring(line.indexOf(':') + 1).strip());
        }
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        Random random = new Random(7);
        try (SocketClient c = SocketClient.connect(socket)) {
            // Addresses and message ids to ask for, from the newest rows of random accounts.
            List<String> recipients = new ArrayList<>();
            List<String> msgids = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                JsonObject p = new JsonObject();
                p.addProperty("user", users.get(random.nextInt(users.size())));
                p.addProperty("limit", 20);
                p.addProperty("counts", false);
                JsonArray rows = c.call("search", p).getAsJsonArray("rows");
                rows.forEach(r -> {
                    JsonObject o = r.getAsJsonObject();
                    if (o.has("recipient") && !o.get("recipient").isJsonNull()) {
                        recipients.add(o.get("recipient").getAsString());
                    }
                    if (o.has("msgid") && !o.get("msgid").isJsonNull()) {
                        msgids.add(o.get("msgid").getAsString());
                    }
                });
            }
            System.out.printf("%d accounts, %d sample addresses, %d sample messages, %d requests each%n",
                    users.size(), recipients.size(), msgids.size(), n);
            measure("newest page of one account (250 rows)", n, () -> {
                JsonObject p = new JsonObject();
                p.addProperty("user", users.get(random.nextInt(users.size())));
                p.addProperty("limit", 250);
                p.addProperty("counts", false);
                c.call("search", p);
            });
            measure("same, with counts by type", n, () -> {
                JsonObject p = new JsonObject();
                p.addProperty("user", users.get(random.nextInt(users.size())));
                p.addProperty("limit", 250);
                c.call("search", p);
            });
            measure("all mail to one address (first 250, counts)", n, () -> {
                JsonObject p = new JsonObject();
                p.addProperty("recipient", recipients.get(random.nextInt(recipients.size())));
                p.addProperty("limit", 250);
                c.call("search", p);
            });
            measure("message", n, () -> {
                JsonObject p = new JsonObject();
                p.addProperty("msgid", msgids.get(random.nextInt(msgids.size())));
                c.call("message", p);
            });
            measure("health", n * 5, () -> c.call("health", null));
        }
    }

    interface Call {
        void run() throws Exception;
    }

    private static void measure(String what, int n, Call call) throws Exception {
        for (int i = 0; i < Math.min(200, n); i++) {
            call.run(); // warm up the JIT and the buffer pool
        }
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            call.run();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        System.out.printf("| %s | %.2f ms | %.2f ms |%n", what, t[n / 2] / 1e6, t[(int) (n * 0.99)] / 1e6);
    }
}
