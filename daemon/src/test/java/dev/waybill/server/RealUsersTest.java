package dev.waybill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.waybill.testing.SystemAccounts;
import dev.waybill.client.ErrorReply;
import dev.waybill.client.SocketClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Identity from the kernel, with real processes of real non-root users: the test (root, as in CI)
 * makes system users, a fake cPanel server where some of them are accounts, and runs Python as
 * each user against a real server. It fails, never skips, where it cannot run: the scoping it
 * checks is the product's security.
 */
class RealUsersTest {

    static final String ALICE = "waybill-t-alice";
    static final String STRANGER = "waybill-t-stranger";
    static final String BOB = "waybill-t-bob";
    static final String CAROL = "waybill-t-carol";
    static final String RESELLER = "waybill-t-res";

    /** Connects to $WAYBILL_SOCKET, sends $WAYBILL_REQUEST, prints the one reply line. */
    static final String CLIENT = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(os.environ["WAYBILL_SOCKET"])
            s.sendall(os.environ["WAYBILL_REQUEST"].encode() + b"\\n")
            sys.stdout.write(s.makefile("rb").readline().decode())
            """;

    static Path dir;
    static ServerFixture fixture;
    static SocketServer server;
    static Path socket;

    @BeforeAll
    static void setUp() throws Exception {
        dir = ServerFixture.realUsersDir("waybill-real-users", ALICE, STRANGER);
        Path cpanel = ServerFixture.fakeCpanelRoot(dir.resolve("cpanel"),
                Map.of(ALICE, RESELLER, BOB, RESELLER, CAROL, "root"));
        socket = dir.resolve("run/waybill.sock");
        server = ServerFixture.startForRealUsers(cpanel, ServerSettings.defaults(socket), new MethodRegistry());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        SystemAccounts.removeAll(dir, ALICE, STRANGER);
    }

    @Test
    void whoami_accountProcess_seesOnlyItsAccount() throws Exception {
        JsonObject reply = callAs(ALICE, "{\"id\":1,\"method\":\"whoami\"}");
        JsonObject r = reply.getAsJsonObject("result");
        assertEquals(uidOf(ALICE), r.get("uid").getAsInt());
        assertEquals(ALICE, r.get("user").getAsString());
        assertEquals("user", r.get("role").getAsString());
        assertEquals("{\"all\":false,\"users\":[\"" + ALICE + "\"],\"email\":null}", r.get("scope").toString());
    }

    @Test
    void whoami_accountProcessNarrowingToItsAddress_isNarrowed() throws Exception {
        JsonObject r = callAs(ALICE, "{\"id\":2,\"method\":\"whoami\",\"params\":{\"email\":\"info@" + ALICE + ".example\"}}")
                .getAsJsonObject("result");
        assertEquals("info@" + ALICE + ".example", r.getAsJsonObject("scope").get("email").getAsString());
    }

    @Test
    void whoami_accountProcessNarrowingToAnotherAccountsAddress_isForbidden() throws Exception {
        assertError(callAs(ALICE, "{\"id\":3,\"method\":\"whoami\",\"params\":{\"email\":\"info@" + BOB + ".example\"}}"),
                "forbidden");
    }

    @Test
    void whoami_uidThatIsNoAccount_isForbidden() throws Exception {
        JsonObject reply = callAs(STRANGER, "{\"id\":4,\"method\":\"whoami\"}");
        assertError(reply, "forbidden");
        assertTrue(reply.getAsJsonObject("error").get("message").getAsString().contains(STRANGER + ") is not a cPanel account"));
        assertError(callAs(STRANGER, "{\"id\":5,\"method\":\"health\"}"), "forbidden");
    }

    @Test
    void whoami_accountProcessActingAsOthers_isForbidden() throws Exception {
        for (String as : new String[] {"root", RESELLER, BOB, ALICE}) {
            assertError(callAs(ALICE, "{\"id\":6,\"method\":\"whoami\",\"as\":\"" + as + "\"}"), "forbidden");
        }
    }

    @Test
    void whoami_rootAsReseller_seesTheResellersAccountsAndItself() throws Exception {
        try (SocketClient c = SocketClient.connect(socket)) {
            JsonObject r = c.call("whoami", null, RESELLER);
            assertEquals("reseller", r.get("role").getAsString());
            assertEquals("[\"" + ALICE + "\",\"" + BOB + "\",\"" + RESELLER + "\"]",
                    r.getAsJsonObject("scope").get("users").toString());
            assertTrue(c.call("whoami", null).getAsJsonObject("scope").get("all").getAsBoolean());
        }
    }

    @Test
    void whoami_rootAsPlainAccount_isForbidden() throws Exception {
        try (SocketClient c = SocketClient.connect(socket)) {
            ErrorReply e = assertThrows(ErrorReply.class, () -> c.call("whoami", null, CAROL));
            assertEquals("forbidden", e.code());
            assertEquals("forbidden", assertThrows(ErrorReply.class, () -> c.call("whoami", null, STRANGER)).code());
        }
    }

    private static void assertError(JsonObject reply, String code) {
        assertTrue(reply.has("error"), reply.toString());
        assertEquals(code, reply.getAsJsonObject("error").get("code").getAsString(), reply.toString());
    }

    /** Runs the Python client as {@code user} (its uid and gid, no other groups). */
    private static JsonObject callAs(String user, String request) throws Exception {
        ProcessBuilder pb = SystemAccounts.as(user, "/usr/bin/python3", "-c", CLIENT);
        pb.environment().put("WAYBILL_SOCKET", socket.toString());
        pb.environment().put("WAYBILL_REQUEST", request);
        return JsonParser.parseString(SystemAccounts.run(pb)).getAsJsonObject();
    }

    private static int uidOf(String user) throws Exception {
        return SystemAccounts.uid(user);
    }
}
