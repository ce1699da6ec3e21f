package dev.waybill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.waybill.client.SocketClient;
import dev.waybill.testing.SystemAccounts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The socket is open to every local user (mode 0666), and the connection limit is shared: one
 * user holding connections open (a web site's PHP, say, as {@code nobody}) must not lock cPanel
 * accounts out of their pages. Real processes of real users, as in {@link RealUsersTest}.
 */
class ConnectionsPerUidTest {

    static final String ALICE = "waybill-t-alice";
    static final String STRANGER = "waybill-t-stranger";
    static final int MAX_CONNECTIONS = 16;
    static final int PER_UID = 4;

    /** Opens $WAYBILL_CONNECTIONS connections, asks health on each, says "held" and keeps them until stdin ends. */
    static final String HOG = """
            import os, socket, sys
            held = []
            for i in range(int(os.environ["WAYBILL_CONNECTIONS"])):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(os.environ["WAYBILL_SOCKET"])
                try:
                    s.sendall(b'{"id":1,"method":"health"}\\n')
                    s.makefile("rb").readline()
                except OSError:
                    pass
                held.append(s)
            sys.stdout.write("held\\n")
            sys.stdout.flush()
            sys.stdin.read()
            """;

    static Path dir;
    static SocketServer server;
    static Path socket;

    @BeforeAll
    static void setUp() throws Exception {
        dir = ServerFixture.realUsersDir("waybill-per-uid", ALICE, STRANGER);
        Path cpanel = ServerFixture.fakeCpanelRoot(dir.resolve("cpanel"), Map.of(ALICE, "root"));
        socket = dir.resolve("run/waybill.sock");
        server = ServerFixture.startForRealUsers(cpanel, ServerSettings.defaults(socket)
                .withMaxConnections(MAX_CONNECTIONS).withMaxConnectionsPerUid(PER_UID), new MethodRegistry());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        SystemAccounts.removeAll(dir, ALICE, STRANGER);
    }

    @Test
    void connect_oneUidHoldsAsManyConnectionsAsTheLimit_anAccountIsStillAnswered() throws Exception {
        ProcessBuilder pb = SystemAccounts.as(STRANGER, "/usr/bin/python3", "-c", HOG);
        pb.environment().put("WAYBILL_SOCKET", socket.toString());
        pb.environment().put("WAYBILL_CONNECTIONS", Integer.toString(MAX_CONNECTIONS));
        Process hog = pb.redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(hog.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("held", out.readLine());
            JsonObject reply = callAs(ALICE, "{\"id\":1,\"method\":\"whoami\"}");
            assertTrue(reply.has("result"), reply.toString());
            assertEquals(ALICE, reply.getAsJsonObject("result").get("user").getAsString());
        } finally {
            hog.getOutputStream().close();
            if (!hog.waitFor(10, TimeUnit.SECONDS)) {
                hog.destroyForcibly();
            }
        }
    }

    @Test
    void connect_rootBeyondTheLimitOfOneUid_isAnswered() throws Exception {
        // The WHM page runs as root for root and every reseller: root shares only the overall limit.
        List<SocketClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < PER_UID + 2; i++) {
                SocketClient c = SocketClient.connect(socket);
                clients.add(c);
                assertEquals("root", c.call("whoami", null).get("role").getAsString());
            }
        } finally {
            for (SocketClient c : clients) {
                c.close();
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
