package dev.waybill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.testing.SystemAccounts;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.client.SocketClient;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.Ingester;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import dev.waybill.trace.AddressTracer;
import dev.waybill.trace.JndiMxResolver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The query methods through the real socket, called by real processes of real non-root users:
 * account A never sees a row, count, message, stat, export or local route of account B; a reseller
 * (root acting as it) sees its accounts only. Runs as root, as CI does, and fails where it cannot.
 */
@ExtendWith(PrivateMariaDb.class)
class ScopedQueriesRealUsersTest {

    static final String ALICE = "waybill-q-alice";
    static final String BOB = "waybill-q-bob";
    static final String CAROL = "waybill-q-carol";
    static final String RESELLER = "waybill-q-res";

    /** Sends $WAYBILL_REQUEST to $WAYBILL_SOCKET; prints every reply line up to the result or error. */
    static final String CLIENT = """
            import json, os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(os.environ["WAYBILL_SOCKET"])
            s.sendall(os.environ["WAYBILL_REQUEST"].encode() + b"\\n")
            for line in s.makefile("rb"):
                sys.stdout.write(line.decode())
                if "chunk" not in json.loads(line):
                    break
            """;

    static Path dir;
    static Path socket;
    static SocketServer server;
    static HikariDataSource ds;

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        SystemAccounts.requireRoot("it creates system users and runs processes as them", "/usr/bin/python3");
        for (String user : new String[] {ALICE, BOB}) {
            SystemAccounts.create(user);
        }
        dir = Files.createTempDirectory("waybill-scoped-queries");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path cpanel = ServerFixture.fakeCpanelRoot(dir.resolve("cpanel"),
                Map.of(ALICE, RESELLER, BOB, RESELLER, CAROL, "root"));
        ds = db.pool(4);
        DeliveryStore store = new DeliveryStore(ds, "scoped");
        store.prepare();
        Ingester ingester = new Ingester("scoped", CpanelAccounts.read(cpanel), 86400);
        LineParser parser = new LineParser(ZoneOffset.UTC);
        for (String line : log().split("\n")) {
            ingester.accept(parser.parse(line), -1);
        }
        store.write(ingester.takeBatch());
        socket = dir.resolve("run/waybill.sock");
        // DNS goes to a port where nothing answers: remote routes are not what this test is about.
        AddressTracer tracer = new AddressTracer(cpanel,
                JndiMxResolver.forServer(new InetSocketAddress("127.0.0.1", 9), Duration.ofMillis(200), 1));
        MethodRegistry methods = new QueryMethods(ds, "scoped", tracer).registerAll(new MethodRegistry());
        server = new SocketServer(ServerSettings.defaults(socket), methods,
                new ScopeResolver(LiveAccounts.watching(cpanel, l -> { }), SystemUsers.system()), l -> { })
                .registerBuiltins(Map::of);
        server.start();
    }

    /** Mail of three accounts: what each sent, received, and one message between two of them. */
    static String log() {
        StringBuilder sb = new StringBuilder();
        String t = "2026-11-28 10:00:";
        // alice sends three messages out
        for (int i = 0; i < 3; i++) {
            String id = "1xYaAA-0000A" + i + "-aa";
            sb.append(t).append("0").append(i).append(' ').append(id).append(" Sender identification U=").append(ALICE)
                    .append(" D=").append(ALICE).append(".example S=info@").append(ALICE).append(".example\n");
            sb.append(t).append("0").append(i).append(' ').append(id).append(" <= info@").append(ALICE)
                    .append(".example H=(pc) [127.0.0.1]:4000 P=esmtpa A=dovecot_login:info@").append(ALICE)
                    .append(".example S=500 T=\"alice secret ").append(i).append("\" for out").append(i)
                    .append("@remote.test\n");
            sb.append(t).append("0").append(i).append(' ').append(id).append(" => out").append(i)
                    .append("@remote.test R=dkim_lookuphost T=dkim_remote_smtp H=mx.remote.test [192.0.2.1] C=\"250 ok\"\n");
            sb.append(t).append("0").append(i).append(' ').append(id).append(" Completed\n");
        }
        // bob receives two from outside
        for (int i = 0; i < 2; i++) {
            String id = "1xYaAB-0000B" + i + "-bb";
            sb.append(t).append("1").append(i).append(' ').append(id).append(" <= someone@remote.test H=mx.remote.test ")
                    .append("[192.0.2.9]:25 P=esmtps S=700 T=\"bob private ").append(i).append("\" for bob@").append(BOB)
                    .append(".example\n");
            sb.append(t).append("1").append(i).append(' ').append(id).append(" => bob <bob@").append(BOB)
                    .append(".example> R=virtual_user T=dovecot_virtual_delivery\n");
            sb.append(t).append("1").append(i).append(' ').append(id).append(" Completed\n");
        }
        // bob's own message fails
        String fail = "1xYaAC-0000C0-cc";
        sb.append(t).append("20 ").append(fail).append(" Sender identification U=").append(BOB).append(" D=").append(BOB)
                .append(".example S=bob@").append(BOB).append(".example\n");
        sb.append(t).append("20 ").append(fail).append(" <= bob@").append(BOB).append(".example H=(pc) [127.0.0.1]:4001 ")
                .append("P=esmtpa A=dovecot_login:bob@").append(BOB).append(".example S=300 T=\"bob failing\" for nobody@remote.test\n");
        sb.append(t).append("20 ").append(fail).append(" ** nobody@remote.test R=dkim_lookuphost T=dkim_remote_smtp ")
                .append("H=mx.remote.test [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<nobody@remote.test>: ")
                .append("550 5.1.1 no such user\n");
        sb.append(t).append("20 ").append(fail).append(" Completed\n");
        // carol sends one
        String carol = "1xYaAD-0000D0-dd";
        sb.append(t).append("30 ").append(carol).append(" Sender identification U=").append(CAROL).append(" D=")
                .append(CAROL).append(".example S=c@").append(CAROL).append(".example\n");
        sb.append(t).append("30 ").append(carol).append(" <= c@").append(CAROL).append(".example H=(pc) [127.0.0.1]:4002 ")
                .append("P=esmtpa A=dovecot_login:c@").append(CAROL).append(".example S=300 T=\"carol\" for x@remote.test\n");
        sb.append(t).append("30 ").append(carol).append(" => x@remote.test R=dkim_lookuphost T=dkim_remote_smtp ")
                .append("H=mx.remote.test [192.0.2.1] C=\"250 ok\"\n");
        sb.append(t).append("30 ").append(carol).append(" Completed\n");
        return sb.toString();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (ds != null) {
            ds.close();
        }
        SystemAccounts.removeAll(dir, ALICE, BOB);
    }

    @Test
    void search_eachAccountSeesItsOwnRowsAndCounts_neverTheOthers() throws Exception {
        JsonObject alice = result(callAs(ALICE, "{\"id\":1,\"method\":\"search\",\"params\":{\"limit\":1000}}"));
        assertEquals(Set.of("out0@remote.test", "out1@remote.test", "out2@remote.test"), recipients(alice));
        assertEquals(3, total(alice.getAsJsonObject("counts")));
        assertFalse(alice.toString().contains(BOB), "nothing of bob's reaches alice: " + alice);
        JsonObject bob = result(callAs(BOB, "{\"id\":2,\"method\":\"search\",\"params\":{\"types\":[\"success\",\"failure\"]}}"));
        assertEquals(Set.of("bob@" + BOB + ".example", "nobody@remote.test"), recipients(bob));
        assertEquals(3, total(bob.getAsJsonObject("counts")));
        assertFalse(bob.toString().contains("alice secret"));
        // Asking for the other's address or account finds nothing or is refused.
        JsonObject probe = result(callAs(ALICE, "{\"id\":3,\"method\":\"search\",\"params\":{\"recipient\":\"bob@"
                + BOB + ".example\"}}"));
        assertEquals(0, probe.getAsJsonArray("rows").size());
        assertEquals(0, total(probe.getAsJsonObject("counts")));
        assertError(callAs(ALICE, "{\"id\":4,\"method\":\"search\",\"params\":{\"user\":\"" + BOB + "\"}}"), "forbidden");
        assertError(callAs(ALICE, "{\"id\":5,\"method\":\"search\",\"as\":\"" + RESELLER + "\"}"), "forbidden");
        assertError(callAs(ALICE, "{\"id\":6,\"method\":\"search\",\"params\":{\"limit\":100000}}"), "bad_request");
    }

    @Test
    void message_ofAnotherAccount_isNotFound_ownIsWhole() throws Exception {
        assertError(callAs(ALICE, "{\"id\":7,\"method\":\"message\",\"params\":{\"msgid\":\"1xYaAC-0000C0-cc\"}}"),
                "not_found");
        JsonObject story = result(callAs(BOB, "{\"id\":8,\"method\":\"message\",\"params\":{\"msgid\":\"1xYaAC-0000C0-cc\"}}"));
        JsonObject row = story.getAsJsonArray("rows").get(0).getAsJsonObject();
        assertEquals("failure", row.get("type").getAsString());
        assertEquals("no_such_user", row.getAsJsonObject("diagnosis").get("code").getAsString());
        assertEquals(4, story.getAsJsonArray("lines").size());
    }

    @Test
    void statsAndExport_countOnlyTheCallersRows() throws Exception {
        JsonObject stats = result(callAs(ALICE, "{\"id\":9,\"method\":\"stats\",\"params\":{\"since\":1795800000,"
                + "\"until\":1795900000}}"));
        long sum = 0;
        for (JsonElement b : stats.getAsJsonArray("series")) {
            sum += total(b.getAsJsonObject());
        }
        assertEquals(3, sum);
        assertFalse(stats.toString().contains(BOB));
        List<JsonObject> replies = callAllAs(ALICE, "{\"id\":10,\"method\":\"export\"}");
        StringBuilder csv = new StringBuilder();
        for (JsonObject r : replies.subList(0, replies.size() - 1)) {
            csv.append(r.get("chunk").getAsString());
        }
        assertEquals(3, result(replies.get(replies.size() - 1)).get("rows").getAsLong());
        assertEquals(4, csv.toString().split("\r\n").length, csv.toString());
        assertFalse(csv.toString().contains(BOB));
    }

    @Test
    void trace_localRouteOfAnotherAccount_isHidden() throws Exception {
        JsonObject fromAlice = result(callAs(ALICE, "{\"id\":11,\"method\":\"trace\",\"params\":{\"address\":\"bob@"
                + BOB + ".example\"}}"));
        assertEquals("hidden", fromAlice.getAsJsonObject("tree").get("kind").getAsString(), fromAlice.toString());
        JsonObject fromBob = result(callAs(BOB, "{\"id\":12,\"method\":\"trace\",\"params\":{\"address\":\"bob@"
                + BOB + ".example\"}}"));
        assertTrue(!"hidden".equals(fromBob.getAsJsonObject("tree").get("kind").getAsString()), fromBob.toString());
    }

    @Test
    void search_rootAsReseller_seesItsAccountsOnly() throws Exception {
        try (SocketClient c = SocketClient.connect(socket)) {
            JsonObject asReseller = c.call("search", null, RESELLER);
            Set<String> seen = recipients(asReseller);
            assertTrue(seen.containsAll(Set.of("out0@remote.test", "bob@" + BOB + ".example", "nobody@remote.test")));
            assertFalse(seen.contains("x@remote.test"), "carol is not the reseller's");
            assertEquals(6, total(asReseller.getAsJsonObject("counts")));
            assertEquals(7, total(c.call("search", null).getAsJsonObject("counts")));
        }
    }

    private static long total(JsonObject counts) {
        long n = 0;
        for (String t : new String[] {"success", "defer", "failure", "rejected", "filtered", "inprogress"}) {
            n += counts.has(t) ? counts.get(t).getAsLong() : 0;
        }
        return n;
    }

    private static Set<String> recipients(JsonObject page) {
        Set<String> r = new HashSet<>();
        JsonArray rows = page.getAsJsonArray("rows");
        rows.forEach(e -> r.add(e.getAsJsonObject().get("recipient").getAsString()));
        return r;
    }

    private static JsonObject result(JsonObject reply) {
        assertTrue(reply.has("result"), reply.toString());
        return reply.getAsJsonObject("result");
    }

    private static void assertError(JsonObject reply, String code) {
        assertTrue(reply.has("error"), reply.toString());
        assertEquals(code, reply.getAsJsonObject("error").get("code").getAsString(), reply.toString());
    }

    private static JsonObject callAs(String user, String request) throws Exception {
        List<JsonObject> all = callAllAs(user, request);
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    /** Runs the Python client as {@code user} (its uid and gid, no other groups); every reply line. */
    private static List<JsonObject> callAllAs(String user, String request) throws Exception {
        ProcessBuilder pb = SystemAccounts.as(user, "/usr/bin/python3", "-c", CLIENT);
        pb.environment().put("WAYBILL_SOCKET", socket.toString());
        pb.environment().put("WAYBILL_REQUEST", request);
        List<JsonObject> replies = new ArrayList<>();
        for (String line : SystemAccounts.run(pb).split("\n")) {
            if (!line.isBlank()) {
                replies.add(JsonParser.parseString(line).getAsJsonObject());
            }
        }
        return replies;
    }
}
