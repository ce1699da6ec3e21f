package dev.waybill.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.StoredLog;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers share one database, each with an account "exampleco" and a reseller "res" (cPanel
 * names are unique on one server only), and the same message ids: whoever asks one server's
 * daemon sees that server's mail only.
 */
@ExtendWith(PrivateMariaDb.class)
class ManyServersQueriesTest {

    private static HikariDataSource ds;
    private static SearchPage web1All;
    private static SearchPage web2All;

    @BeforeAll
    static void store(@TempDir Path root, TestDatabase db) throws Exception {
        ds = db.pool(4);
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nshop.test: shopuser\n");
        Files.writeString(root.resolve("etc/trueuserowners"), "exampleco: res\nshopuser: res\n");
        StoredLog.store(new DeliveryStore(ds, "web1"), root, StoredLog.fixture());
        // web2's copy says so in every subject, so that a leak shows.
        StoredLog.store(new DeliveryStore(ds, "web2"), root,
                StoredLog.fixture().stream().map(l -> l.replace("T=\"", "T=\"web2 ")).toList());
        DeliveryQueries root1 = new DeliveryQueries(ds, "web1");
        web1All = root1.search(Viewer.all(), SearchParams.builder().server("web1").limit(1000).build(), true);
        web2All = root1.search(Viewer.all(), SearchParams.builder().server("web2").limit(1000).build(), true);
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    /** The owner entries {@code owner} has on {@code server}, counted in SQL. */
    private static long owned(String server, String... owners) throws Exception {
        try (java.sql.Connection c = ds.getConnection(); java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(DISTINCT o.row_key) FROM delivery_owner o JOIN server s ON s.id = o.server_id"
                        + " WHERE s.name = ? AND o.owner IN (?, ?)")) {
            ps.setString(1, server);
            ps.setString(2, owners[0]);
            ps.setString(3, owners[owners.length - 1]);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void anAccount_seesItsOwnServersRowsOnly_rowsAndCounts() throws Exception {
        assertEquals(web1All.rows().size(), web2All.rows().size());
        assertTrue(owned("web1", "exampleco") > 10);
        assertEquals(owned("web1", "exampleco"), owned("web2", "exampleco"));
        for (String server : List.of("web1", "web2")) {
            DeliveryQueries q = new DeliveryQueries(ds, server);
            for (SearchParams p : List.of(SearchParams.builder().limit(1000).build(),
                    SearchParams.builder().recipient("bob@example.com").limit(1000).build())) {
                SearchPage page = q.search(Viewer.account("exampleco"), p, true);
                assertFalse(page.rows().isEmpty());
                assertTrue(page.rows().stream().allMatch(r -> r.server().equals(server)), page.rows().toString());
                assertEquals(page.rows().size(), page.total(), "counts of this server's rows only");
            }
            assertEquals(owned(server, "exampleco"),
                    q.search(Viewer.account("exampleco"), SearchParams.builder().limit(1000).build(), true).total());
            SearchPage reseller = q.search(Viewer.reseller("res", Set.of("exampleco", "shopuser")),
                    SearchParams.builder().limit(1000).build(), true);
            assertTrue(reseller.rows().stream().allMatch(r -> r.server().equals(server)));
            assertEquals(owned(server, "@res", "res"), reseller.total());
            assertEquals(reseller.rows().size(), reseller.total());
        }
    }

    @Test
    void anAccount_cannotReachAnotherServerByNamingIt() throws Exception {
        DeliveryQueries q = new DeliveryQueries(ds, "web1");
        assertTrue(q.search(Viewer.account("exampleco"), SearchParams.builder().server("web2").build(), true)
                .rows().isEmpty());
        String msgid = web2All.rows().get(0).outcome().msgid();
        assertNull(new MessageQueries(ds, q).story(Viewer.account("exampleco"), msgid, "web2"));
        // Root may: an account of another server, named.
        SearchPage web2Account = q.search(Viewer.all(), SearchParams.builder().user("exampleco").server("web2")
                .limit(1000).build(), true);
        assertEquals(owned("web2", "exampleco"), web2Account.total());
        assertTrue(web2Account.rows().stream().allMatch(r -> r.server().equals("web2")));
    }

    @Test
    void aStory_showsAnAccountItsServersLinesOnly_rootEveryServers() throws Exception {
        DeliveryQueries q = new DeliveryQueries(ds, "web1");
        MessageQueries messages = new MessageQueries(ds, q);
        String msgid = web1All.rows().stream().filter(r -> "exampleco".equals(r.outcome().user())
                && r.outcome().subject() != null).findFirst().orElseThrow().outcome().msgid();
        MessageStory mine = messages.story(Viewer.account("exampleco"), msgid, null);
        assertNotNull(mine);
        assertFalse(mine.lines().isEmpty());
        assertTrue(mine.lines().stream().noneMatch(l -> l.contains("web2")), mine.lines().toString());
        assertTrue(mine.rows().stream().allMatch(r -> r.server().equals("web1")));
        MessageStory root = messages.story(Viewer.all(), msgid, null);
        assertTrue(root.lines().stream().anyMatch(l -> l.contains("web2")));
        assertTrue(root.rows().stream().anyMatch(r -> r.server().equals("web2")));
    }

    @Test
    void stats_countAnAccountsOwnServer_andRootCanNameOne() throws Exception {
        long from = 1795737600L;
        long to = from + 3 * 86400;
        for (String server : List.of("web1", "web2")) {
            StatsQueries stats = new StatsQueries(ds, server);
            assertEquals(owned(server, "exampleco"), total(stats.stats(Viewer.account("exampleco"), from, to, 3600, null)));
            assertEquals(web1All.rows().size(), total(stats.stats(Viewer.all(), from, to, 3600, server)));
        }
        assertEquals(2L * web1All.rows().size(), total(new StatsQueries(ds, "web1").stats(Viewer.all(), from, to, 3600,
                null)));
        assertEquals(0, total(new StatsQueries(ds, "web1").stats(Viewer.all(), from, to, 3600, "web9")));
    }

    /**
     * Regression: a server name outside ASCII (table server's names are ASCII) was compared with
     * the column in SQL, which MariaDB refuses as an illegal mix of collations: the caller was told
     * the database did not answer. It names no server, like any name never registered.
     */
    @Test
    void aServerNameOutsideAscii_namesNoServer_forSearchMessageAndStats() throws Exception {
        DeliveryQueries q = new DeliveryQueries(ds, "web1");
        String msgid = web1All.rows().stream().filter(r -> r.outcome().msgid() != null).findFirst().orElseThrow()
                .outcome().msgid();
        for (String name : List.of("w\u00e9b1", "web1\u20ac")) {
            SearchPage page = q.search(Viewer.all(), SearchParams.builder().server(name).build(), true);
            assertTrue(page.rows().isEmpty(), name);
            assertEquals(0, page.total(), name);
            assertNull(new MessageQueries(ds, q).story(Viewer.all(), msgid, name), name);
            assertEquals(0, total(new StatsQueries(ds, "web1").stats(Viewer.all(), 1795737600L, 1795737600L + 3 * 86400,
                    3600, name)), name);
        }
    }

    private static long total(Stats s) {
        return s.series().stream().flatMap(b -> b.counts().values().stream()).mapToLong(Long::longValue).sum();
    }
}
