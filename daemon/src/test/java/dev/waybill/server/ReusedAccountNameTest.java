package dev.waybill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.query.CsvExport;
import dev.waybill.query.DeliveryQueries;
import dev.waybill.query.MessageQueries;
import dev.waybill.query.MessageStory;
import dev.waybill.query.SearchPage;
import dev.waybill.query.SearchParams;
import dev.waybill.query.Stats;
import dev.waybill.query.StatsQueries;
import dev.waybill.query.StoredDelivery;
import dev.waybill.query.Viewer;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.StoredLog;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * cPanel frees a terminated account's name at once, and a new account may be given it while the
 * old one's mail is still stored. The new account (and a reseller whose name was reused, for its
 * {@code @reseller} entries) sees only the mail that arrived from its creation on
 * ({@code STARTDATE} in {@code var/cpanel/users/<user>}) — in searches, counts, statistics,
 * messages and exports, through the same identity and scope path as the socket's requests.
 */
@ExtendWith(PrivateMariaDb.class)
class ReusedAccountNameTest {

    private static final String SERVER = "web1";
    private static final PeerIdentity ROOT = new PeerIdentity(100, 0, 0);
    private static final PeerIdentity EXAMPLECO = new PeerIdentity(101, 1001, 1001);
    private static final PeerIdentity SHOPUSER = new PeerIdentity(102, 1002, 1002);

    @TempDir
    static Path dir;
    private static Path cpanel;
    private static HikariDataSource ds;
    private static DeliveryQueries deliveries;
    /** Send time → message ids of the stored rows, as root sees them. */
    private static TreeMap<Long, TreeSet<String>> messagesByTime = new TreeMap<>();

    @BeforeAll
    static void store(TestDatabase db) throws Exception {
        ds = db.pool(4);
        cpanel = dir.resolve("cpanel");
        Files.createDirectories(cpanel.resolve("etc"));
        Files.createDirectories(cpanel.resolve("var/cpanel/users"));
        Files.writeString(cpanel.resolve("etc/userdomains"), "example.com: exampleco\nshop.test: shopuser\n*: nobody\n");
        Files.writeString(cpanel.resolve("etc/trueuserowners"), "exampleco: res\nshopuser: res\n");
        Files.writeString(cpanel.resolve("var/cpanel/resellers"), "res:list-accts\n");
        Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n"
                + "exampleco:x:1001:1001::/home/exampleco:/bin/bash\nshopuser:x:1002:1002::/home/shopuser:/bin/bash\n");
        StoredLog.store(new DeliveryStore(ds, SERVER), cpanel, StoredLog.fixture());
        deliveries = new DeliveryQueries(ds, SERVER);
        for (StoredDelivery r : deliveries.search(Viewer.all(), SearchParams.builder().limit(1000).build(), false)
                .rows()) {
            if (r.outcome().msgid() == null) {
                continue; // rejected at SMTP time: no message
            }
            messagesByTime.computeIfAbsent(r.outcome().sendunixtime(), t -> new TreeSet<>()).add(r.outcome().msgid());
        }
        assertTrue(messagesByTime.size() >= 4, "the fixture's mail arrives over several seconds: " + messagesByTime);
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    @BeforeEach
    void accountFilesWithoutStartDates() throws Exception {
        for (String user : List.of("exampleco", "shopuser", "res")) {
            Files.writeString(cpanel.resolve("var/cpanel/users").resolve(user), "DNS=" + user + ".example\nOWNER=root\n");
        }
    }

    /** Writes {@code user}'s account file as cPanel does for an account created at {@code startDate}. */
    private static void created(String user, long startDate) throws Exception {
        Path f = cpanel.resolve("var/cpanel/users").resolve(user);
        Files.writeString(f, "DNS=" + user + ".example\nOWNER=root\nPLAN=default\nSTARTDATE=" + startDate + "\n");
        // a later time than the file had, so that a look-up sees the change whatever the clock's grain
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    }

    /** The viewer the socket's methods use for {@code peer} (acting as {@code as}). */
    private static Viewer viewerOf(PeerIdentity peer, String as) throws Exception {
        ScopeResolver resolver = new ScopeResolver(LiveAccounts.watching(cpanel, l -> { }),
                new SystemUsers(dir.resolve("passwd")));
        ScopeResolver.Access access = resolver.resolve(peer, as, null);
        Request req = new Request(JsonNull.INSTANCE, "search", new Params(new JsonObject()), access.caller());
        return QueryMethods.viewer(req, access.scope());
    }

    /** Row keys of {@code owner}'s entries at or after {@code since}, straight from the owner table. */
    private static TreeSet<String> owned(String owner, long since) throws Exception {
        TreeSet<String> keys = new TreeSet<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT o.row_key FROM delivery_owner o WHERE o.owner = ? AND o.sendtime >= ?")) {
            ps.setString(1, owner);
            ps.setLong(2, since);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(HexFormat.of().formatHex(rs.getBytes(1)));
                }
            }
        }
        return keys;
    }

    private static TreeSet<String> keys(List<StoredDelivery> rows) {
        TreeSet<String> keys = new TreeSet<>();
        rows.forEach(r -> assertTrue(keys.add(HexFormat.of().formatHex(r.key())), "a row twice"));
        return keys;
    }

    /** A send time with messages of {@code owner} both before it and at it. */
    private static long middleTimeOf(String owner) throws Exception {
        List<Long> times = new ArrayList<>();
        for (Map.Entry<Long, TreeSet<String>> e : messagesByTime.entrySet()) {
            if (!owned(owner, e.getKey()).equals(owned(owner, e.getKey() + 1))) {
                times.add(e.getKey()); // owner has rows sent at exactly this second
            }
        }
        assertTrue(times.size() >= 3, owner + " has mail at several times: " + times);
        return times.get(times.size() / 2);
    }

    /**
     * Checks every path a viewer reads rows by: the search (its rows and counts, by time and by
     * one address), the statistics, the CSV export, and the story of a message before and after.
     */
    private static void seesExactly(Viewer v, TreeSet<String> expected, long since, String ownerForMessages)
            throws Exception {
        SearchPage page = deliveries.search(v, SearchParams.builder().limit(1000).build(), true);
        assertEquals(expected, keys(page.rows()), "search rows");
        assertEquals(expected.size(), page.total(), "search counts");
        assertTrue(page.rows().stream().allMatch(r -> r.outcome().sendunixtime() >= since), "nothing older");
        // Only types: the counts come from the owner entries alone.
        SearchPage typed = deliveries.search(v, SearchParams.builder().types(java.util.EnumSet.allOf(
                dev.waybill.outcome.OutcomeType.class)).limit(1000).build(), true);
        assertEquals(expected.size(), typed.total(), "counts from the owner entries");
        // One address: found through the address index, each row checked for an owner entry.
        for (StoredDelivery r : deliveries.search(Viewer.all(), SearchParams.builder().limit(1000).build(), false)
                .rows()) {
            if (r.outcome().recipient() == null) {
                continue;
            }
            SearchPage one = deliveries.search(v, SearchParams.builder().recipient(r.outcome().recipient())
                    .limit(1000).build(), true);
            assertTrue(one.rows().stream().allMatch(x -> x.outcome().sendunixtime() >= since
                    && expected.contains(HexFormat.of().formatHex(x.key()))), "by recipient " + r.outcome().recipient());
            assertEquals(one.rows().size(), one.total(), "counts by recipient " + r.outcome().recipient());
        }
        long from = messagesByTime.firstKey() - 3600;
        long to = messagesByTime.lastKey() + 3600;
        Stats stats = new StatsQueries(ds, SERVER).stats(v, from, to, 3600, null);
        assertEquals(expected.size(), stats.series().stream().flatMap(b -> b.counts().values().stream())
                .mapToLong(Long::longValue).sum(), "statistics");
        StringBuilder csv = new StringBuilder();
        long exported = new CsvExport(deliveries).export(v, SearchParams.builder().build(), csv::append);
        assertEquals(expected.size(), exported, "export");
        MessageQueries messages = new MessageQueries(ds, deliveries);
        String before = null;
        String after = null;
        for (Map.Entry<Long, TreeSet<String>> e : messagesByTime.entrySet()) {
            for (String msgid : e.getValue()) {
                boolean owns = deliveries.search(Viewer.all(), SearchParams.builder().msgid(msgid).limit(1000).build(),
                        false).rows().stream().anyMatch(r -> {
                            try {
                                return owned(ownerForMessages, 0).contains(HexFormat.of().formatHex(r.key()));
                            } catch (Exception x) {
                                throw new IllegalStateException(x);
                            }
                        });
                if (owns && e.getKey() < since && before == null) {
                    before = msgid;
                } else if (owns && e.getKey() >= since && after == null) {
                    after = msgid;
                }
            }
        }
        assertNotNull(before, "a message of " + ownerForMessages + " before " + since);
        assertNotNull(after, "a message of " + ownerForMessages + " from " + since);
        assertNull(messages.story(v, before, null), "the story of " + before + ", sent before");
        assertFalse(csv.toString().contains(before), "the export names " + before);
        MessageStory story = messages.story(v, after, null);
        assertNotNull(story, "the story of " + after);
        assertFalse(story.lines().isEmpty());
        assertTrue(csv.toString().contains(after));
    }

    @Test
    void reusedAccountName_seesOnlyMailFromItsCreationOn() throws Exception {
        long since = middleTimeOf("exampleco");
        created("exampleco", since);
        TreeSet<String> expected = owned("exampleco", since);
        assertTrue(expected.size() < owned("exampleco", 0).size(), "older rows exist");
        assertFalse(expected.isEmpty());
        seesExactly(viewerOf(EXAMPLECO, null), expected, since, "exampleco");
    }

    @Test
    void rowsAtExactlyTheCreationSecond_areShown() throws Exception {
        long since = middleTimeOf("exampleco");
        created("exampleco", since);
        SearchPage page = deliveries.search(viewerOf(EXAMPLECO, null), SearchParams.builder().limit(1000).build(), true);
        assertTrue(page.rows().stream().anyMatch(r -> r.outcome().sendunixtime() == since), "a row sent at " + since);
        created("exampleco", since + 1);
        page = deliveries.search(viewerOf(EXAMPLECO, null), SearchParams.builder().limit(1000).build(), true);
        assertTrue(page.rows().stream().noneMatch(r -> r.outcome().sendunixtime() == since), "none a second later");
    }

    @Test
    void accountWithoutStartDate_seesAllItsMail() throws Exception {
        created("exampleco", middleTimeOf("exampleco")); // another account's date changes nothing here
        TreeSet<String> all = owned("shopuser", 0);
        assertFalse(all.isEmpty());
        SearchPage page = deliveries.search(viewerOf(SHOPUSER, null), SearchParams.builder().limit(1000).build(), true);
        assertEquals(all, keys(page.rows()));
        assertEquals(all.size(), page.total());
        Files.writeString(cpanel.resolve("var/cpanel/users/shopuser"), "DNS=shop.test\nSTARTDATE=soon\n");
        assertEquals(all, keys(deliveries.search(viewerOf(SHOPUSER, null), SearchParams.builder().limit(1000).build(),
                false).rows()), "an unreadable date is no date");
    }

    @Test
    void reusedResellerName_seesItsAccountsMailFromItsCreationOn() throws Exception {
        long since = middleTimeOf("@res");
        created("res", since);
        TreeSet<String> expected = owned("@res", since);
        expected.addAll(owned("res", since));
        assertTrue(expected.size() < owned("@res", 0).size(), "older rows exist");
        seesExactly(viewerOf(ROOT, "res"), expected, since, "@res");
    }

    @Test
    void reseller_narrowedToAnAccount_seesThatAccountsMailFromItsCreationOn() throws Exception {
        long since = middleTimeOf("exampleco");
        created("exampleco", since);
        Viewer res = viewerOf(ROOT, "res");
        SearchPage page = deliveries.search(res, SearchParams.builder().user("exampleco").limit(1000).build(), true);
        assertEquals(owned("exampleco", since), keys(page.rows()));
        assertEquals(owned("exampleco", since).size(), page.total());
        SearchPage shop = deliveries.search(res, SearchParams.builder().user("shopuser").limit(1000).build(), true);
        assertEquals(owned("shopuser", 0), keys(shop.rows()), "an account without a date: all of its mail");
    }

    @Test
    void root_seesEverything_whateverTheDates() throws Exception {
        created("exampleco", messagesByTime.lastKey() + 1);
        created("res", messagesByTime.lastKey() + 1);
        Viewer root = viewerOf(ROOT, null);
        assertEquals(owned("exampleco", 0), keys(deliveries.search(root, SearchParams.builder().user("exampleco")
                .limit(1000).build(), false).rows()));
        int all = messagesByTime.values().stream().mapToInt(TreeSet::size).sum();
        assertTrue(all > 0);
        assertEquals(keys(deliveries.search(Viewer.all(), SearchParams.builder().limit(1000).build(), false).rows()),
                keys(deliveries.search(root, SearchParams.builder().limit(1000).build(), false).rows()));
    }
}
