package dev.waybill.bench;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.client.SocketClient;
import dev.waybill.server.LiveAccounts;
import dev.waybill.server.MethodRegistry;
import dev.waybill.server.ScopeResolver;
import dev.waybill.server.ServerSettings;
import dev.waybill.server.SocketServer;
import dev.waybill.server.SystemUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code health} round trips over the socket with many concurrent clients, in two runs:
 *
 * <ol>
 *   <li><b>throughput</b>: every client sends its next request as soon as the previous reply is
 *       in; prints requests per second (latency here is mostly queueing: with 64 requests always
 *       in flight, each waits for the others);</li>
 *   <li><b>latency</b>: the clients together send a fixed rate (10,000/s by default), each request
 *       at its scheduled time, and the round trip is measured from that time (so a stall is not
 *       hidden by the client waiting it out); prints p50, p99 and p99.9.</li>
 * </ol>
 *
 * The server runs in this JVM (no database: {@code health} needs none) unless {@code --socket}
 * names a running daemon. Not a test and never run by the build:
 *
 * <pre>
 * bash daemon/bench/socket-health.sh [--clients 64] [--seconds 10] [--rate 10000] [--socket PATH]
 * </pre>
 */
public final class SocketBenchmark {

    private SocketBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int clients = 64;
        int seconds = 10;
        int rate = 10_000;
        Path socket = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--socket" -> socket = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        SocketServer server = null;
        Path dir = null;
        if (socket == null) {
            dir = Files.createTempDirectory("waybill-bench");
            socket = dir.resolve("waybill.sock");
            server = new SocketServer(ServerSettings.defaults(socket), new MethodRegistry(),
                    new ScopeResolver(LiveAccounts.fixed(CpanelAccounts.none()), SystemUsers.system()), System.err::println)
                    .registerBuiltins(() -> Map.of("state", "benchmark"));
            server.start();
        }
        try {
            System.out.printf("health over %s, %d clients, %d cores%n", socket, clients,
                    Runtime.getRuntime().availableProcessors());
            run(socket, clients, 3, 0, false); // warm-up: JIT, connections
            long[] closed = run(socket, clients, seconds, 0, true);
            long[] paced = run(socket, clients, seconds, rate, true);
            report("latency at " + String.format("%,d", rate) + " requests/s", paced, seconds);
            report("throughput, no pacing", closed, seconds);
        } finally {
            if (server != null) {
                server.close();
                Files.deleteIfExists(dir);
            }
        }
    }

    /** Round-trip times in nanoseconds of every request of every client. */
    private static long[] run(Path socket, int clients, int seconds, int rate, boolean keep) throws Exception {
        List<long[]> perClient = new ArrayList<>();
        int[] counts = new int[clients];
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long durationNanos = TimeUnit.SECONDS.toNanos(seconds);
        for (int c = 0; c < clients; c++) {
            int me = c;
            long[] times = new long[rate > 0 ? (int) ((long) rate * seconds / clients + 16) : 250_000];
            perClient.add(times);
            Thread t = new Thread(() -> {
                try (SocketClient client = SocketClient.connect(socket)) {
                    ready.countDown();
                    go.await();
                    long start = System.nanoTime();
                    long interval = rate > 0 ? TimeUnit.SECONDS.toNanos(1) * clients / rate : 0;
                    // spread the clients' schedules over one interval
                    long next = start + (interval * me) / clients;
                    int n = 0;
                    while (n < times.length) {
                        long t0;
                        if (interval > 0) {
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                LockSupport.parkNanos(wait);
                            }
                            t0 = next;
                            next += interval;
                        } else {
                            t0 = System.nanoTime();
                        }
                        if (t0 - start >= durationNanos) {
                            break;
                        }
                        client.call("health", null);
                        times[n++] = System.nanoTime() - t0;
                    }
                    counts[me] = n;
                } catch (Exception e) {
                    System.err.println("client " + me + ": " + e);
                    ready.countDown();
                }
            });
            threads.add(t);
            t.start();
        }
        ready.await();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (!keep) {
            return new long[0];
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(perClient.get(c), 0, all, at, counts[c]);
            at += counts[c];
        }
        Arrays.sort(all);
        return all;
    }

    private static void report(String what, long[] sorted, int seconds) {
        System.out.printf("%-34s %,10.0f requests/s   p50 %7.3f ms   p99 %7.3f ms   p99.9 %7.3f ms   (%,d requests)%n",
                what + ":", sorted.length / (double) seconds, ms(sorted, 0.50), ms(sorted, 0.99), ms(sorted, 0.999),
                sorted.length);
    }

    private static double ms(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
    }
}
