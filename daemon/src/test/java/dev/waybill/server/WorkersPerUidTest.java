package dev.waybill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.waybill.testing.SystemAccounts;
import dev.waybill.trace.AddressTracer;
import dev.waybill.trace.JndiMxResolver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker pool is shared by every caller, and an account can make its requests slow: a trace
 * of its own forwarder to many addresses at domains whose DNS never answers takes the whole DNS
 * budget. One account sending such requests on many connections at once must leave workers for
 * the others. Real processes of real users, a real server and the real trace method; the DNS is a
 * loopback port that never answers.
 */
class WorkersPerUidTest {

    static final String ALICE = "waybill-t-alice";
    static final String BOB = "waybill-t-bob";
    static final int WORKERS = 8;

    /** Sends $WAYBILL_REQUEST on $WAYBILL_CONNECTIONS connections, says "sent" and keeps them until stdin ends. */
    static final String FLOOD = """
            import os, socket, sys
            held = []
            for i in range(int(os.environ["WAYBILL_CONNECTIONS"])):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(os.environ["WAYBILL_SOCKET"])
                s.sendall(os.environ["WAYBILL_REQUEST"].encode() + b"\\n")
                held.append(s)
            sys.stdout.write("sent\\n")
            sys.stdout.flush()
            sys.stdin.read()
            """;

    static Path dir;
    static SocketServer server;
    static Path socket;
    static DatagramSocket silentDns;

    @BeforeAll
    static void setUp() throws Exception {
        dir = ServerFixture.realUsersDir("waybill-workers-per-uid", ALICE, BOB);
        Path cpanel = ServerFixture.fakeCpanelRoot(dir.resolve("cpanel"), Map.of(ALICE, "root", BOB, "root"));
        StringBuilder far = new StringBuilder("slow@" + ALICE + ".example: ");
        for (int i = 0; i < 40; i++) {
            far.append(i == 0 ? "" : ", ").append("x@d").append(i).append(".silent.test");
        }
        Files.createDirectories(cpanel.resolve("etc/valiases"));
        Files.writeString(cpanel.resolve("etc/valiases/" + ALICE + ".example"), far + "\n");
        Files.writeString(cpanel.resolve("etc/localdomains"), ALICE + ".example\n" + BOB + ".example\n");
        silentDns = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        AddressTracer tracer = new AddressTracer(cpanel, JndiMxResolver.forServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), silentDns.getLocalPort()), Duration.ofSeconds(1), 1));
        socket = dir.resolve("run/waybill.sock");
        server = ServerFixture.startForRealUsers(cpanel, ServerSettings.defaults(socket).withWorkers(WORKERS, 256),
                new QueryMethods(null, "web1", tracer).registerAll(new MethodRegistry()));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (silentDns != null) {
            silentDns.close();
        }
        SystemAccounts.removeAll(dir, ALICE, BOB);
    }

    @Test
    void trace_oneAccountFillsThePoolWithSlowTraces_anotherAccountIsAnsweredAtOnce() throws Exception {
        ProcessBuilder pb = SystemAccounts.as(ALICE, "/usr/bin/python3", "-c", FLOOD);
        pb.environment().put("WAYBILL_SOCKET", socket.toString());
        pb.environment().put("WAYBILL_CONNECTIONS", Integer.toString(WORKERS * 2));
        pb.environment().put("WAYBILL_REQUEST",
                "{\"id\":1,\"method\":\"trace\",\"params\":{\"address\":\"slow@" + ALICE + ".example\"}}");
        Process flood = pb.redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(flood.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("sent", out.readLine());
            Thread.sleep(500); // the server has taken them up
            long start = System.nanoTime();
            JsonObject reply = callAs(BOB, "{\"id\":2,\"method\":\"trace\",\"params\":{\"address\":\"x@" + BOB
                    + ".example\"}}");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(reply.has("result"), reply.toString());
            assertTrue(millis < 4000, "answered after " + millis + " ms");
        } finally {
            flood.getOutputStream().close();
            if (!flood.waitFor(10, TimeUnit.SECONDS)) {
                flood.destroyForcibly();
            }
        }
    }

    private static JsonObject callAs(String user, String request) throws Exception {
        ProcessBuilder pb = SystemAccounts.as(user, "/usr/bin/python3", "-c", RealUsersTest.CLIENT);
        pb.environment().put("WAYBILL_SOCKET", socket.toString());
        pb.environment().put("WAYBILL_REQUEST", request);
        return JsonParser.parseString(SystemAccounts.run(pb)).getAsJsonObject();
    }
}
