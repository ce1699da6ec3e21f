package dev.waybill.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.Ingester;
import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.sample.SampleLogGenerator;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Searches, stories, stats and exports over a generated cPanel server's log stored in a private
 * MariaDB. The expectations come from the rows and the cPanel files directly, not from the
 * owner entries the queries use.
 */
@ExtendWith(PrivateMariaDb.class)
class DeliveryQueriesTest {

    static final String SERVER = "query-test";

    @TempDir
    static Path root;
    static HikariDataSource ds;
    static DeliveryQueries queries;
    /** Every stored row, as root sees it. */
    static List<StoredDelivery> all;
    static Map<String, String> domainOwner = new HashMap<>();
    static Map<String, String> userOwner = new HashMap<>();

    @BeforeAll
    static void store(TestDatabase db) throws Exception {
        SampleLogGenerator g = new SampleLogGenerator(
                SampleLogGenerator.Options.defaults().withLines(30_000).withSeed(5).withAccounts(12));
        g.writeCpanelRoot(root);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        g.generate(out);
        ds = db.pool(4);
        DeliveryStore store = new DeliveryStore(ds, SERVER);
        store.prepare();
        Ingester ingester = new Ingester(SERVER, CpanelAccounts.read(root), 7 * 86400);
        LineParser parser = new LineParser(ZoneOffset.UTC);
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            ingester.accept(parser.parse(line), -1);
            if (ingester.pending() > 5000) {
                store.write(ingester.takeBatch());
            }
        }
        store.write(ingester.takeBatch());
        for (String l : Files.readAllLines(root.resolve("etc/userdomains"))) {
            String[] kv = l.split(": ");
            domainOwner.put(kv[0], kv[1]);
        }
        for (String l : Files.readAllLines(root.resolve("etc/trueuserowners"))) {
            String[] kv = l.split(": ");
            userOwner.put(kv[0], kv[1]);
        }
        queries = new DeliveryQueries(ds, SERVER);
        all = everything(Viewer.all(), SearchParams.builder().limit(1000).build());
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    static List<StoredDelivery> everything(Viewer v, SearchParams p) throws Exception {
        List<StoredDelivery> rows = new ArrayList<>();
        SearchParams page = p;
        while (true) {
            SearchPage r = queries.search(v, page, false);
            rows.addAll(r.rows());
            if (r.next() == null) {
                return rows;
            }
            page = page.withCursor(r.next());
        }
    }

    static long count(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static Set<String> keys(List<StoredDelivery> rows) {
        Set<String> keys = new HashSet<>();
        rows.forEach(r -> assertTrue(keys.add(HexFormat.of().formatHex(r.key())), "row returned twice"));
        return keys;
    }

    /** Whether a row concerns {@code user}'s account: its sender, its mailbox, its recipient's domain. */
    static boolean concerns(Outcome o, String user) {
        return user.equals(o.user()) || user.equals(o.deliveryuser())
                || o.recipient() != null && user.equals(domainOwner.get(CpanelAccounts.domainOf(o.recipient())));
    }

    /** The busiest accounts in the log, so that the scoping tests have rows to look at. */
    static List<String> busiestUsers() {
        Map<String, Integer> n = new HashMap<>();
        all.forEach(r -> {
            if (r.outcome().user() != null && !r.outcome().user().startsWith("-")) {
                n.merge(r.outcome().user(), 1, Integer::sum);
            }
        });
        return n.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .map(Map.Entry::getKey).toList();
    }

    @Test
    void search_rootPagesThroughEverything_eachRowOnceNewestFirst() throws Exception {
        assertEquals(count("SELECT COUNT(*) FROM delivery"), all.size());
        assertTrue(all.size() > 3000, "the sample should store thousands of rows, not " + all.size());
        keys(all);
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).outcome().sendunixtime() >= all.get(i).outcome().sendunixtime());
        }
        List<StoredDelivery> oldest = everything(Viewer.all(),
                SearchParams.builder().order(SearchParams.Order.OLDEST).limit(333).build());
        assertEquals(keys(all), keys(oldest));
        assertTrue(oldest.get(0).outcome().sendunixtime() <= oldest.get(oldest.size() - 1).outcome().sendunixtime());
    }

    @Test
    void search_account_seesExactlyTheRowsThatConcernIt() throws Exception {
        for (String user : busiestUsers().subList(0, 3)) {
            List<StoredDelivery> mine = everything(Viewer.account(user), SearchParams.builder().limit(97).build());
            List<StoredDelivery> expected = all.stream().filter(r -> concerns(r.outcome(), user)).toList();
            assertFalse(expected.isEmpty());
            assertEquals(keys(expected), keys(mine), "rows of " + user);
            SearchPage first = queries.search(Viewer.account(user), SearchParams.all(), true);
            assertEquals(expected.size(), first.counts().values().stream().mapToLong(Long::longValue).sum());
        }
    }

    @Test
    void search_reseller_seesItsAccountsAndItself_notOthers() throws Exception {
        Map<String, Set<String>> byReseller = new HashMap<>();
        userOwner.forEach((u, owner) -> {
            if (!owner.equals("root")) {
                byReseller.computeIfAbsent(owner, k -> new HashSet<>()).add(u);
            }
        });
        assertFalse(byReseller.isEmpty(), "the sample has resellers");
        String reseller = byReseller.keySet().iterator().next();
        Set<String> accounts = byReseller.get(reseller);
        Viewer v = Viewer.reseller(reseller, accounts);
        List<StoredDelivery> seen = everything(v, SearchParams.builder().limit(200).build());
        Set<String> covered = new HashSet<>(accounts);
        covered.add(reseller);
        Predicate<Outcome> theirs = o -> covered.stream().anyMatch(u -> concerns(o, u));
        assertEquals(keys(all.stream().filter(r -> theirs.test(r.outcome())).toList()), keys(seen));
        SearchPage counted = queries.search(v, SearchParams.all(), true);
        assertEquals(seen.size(), counted.counts().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void search_recipientOfAnotherAccount_findsNothing() throws Exception {
        List<String> users = busiestUsers();
        String a = users.get(0);
        String b = users.get(1);
        StoredDelivery toA = all.stream().filter(r -> concerns(r.outcome(), a) && !concerns(r.outcome(), b)
                && r.outcome().recipient() != null).findFirst().orElseThrow();
        SearchParams p = SearchParams.builder().recipient(toA.outcome().recipient().toUpperCase()).build();
        assertFalse(queries.search(Viewer.account(a), p, true).rows().isEmpty(), "exact match ignores case");
        long bSees = all.stream().filter(r -> concerns(r.outcome(), b)
                && toA.outcome().recipient().equalsIgnoreCase(r.outcome().recipient())).count();
        SearchPage page = queries.search(Viewer.account(b), p, true);
        assertEquals(bSees, page.rows().size());
        assertEquals(bSees, page.counts().values().stream().mapToLong(Long::longValue).sum());
        assertThrows(ForbiddenException.class,
                () -> queries.search(Viewer.account(b), SearchParams.builder().user(a).build(), false));
    }

    @Test
    void search_filters_matchWhatTheRowsSay() throws Exception {
        Set<OutcomeType> bad = EnumSet.of(OutcomeType.FAILURE, OutcomeType.DEFER, OutcomeType.REJECTED);
        List<StoredDelivery> failed = everything(Viewer.all(), SearchParams.builder().types(bad).build());
        assertEquals(all.stream().filter(r -> bad.contains(r.outcome().type())).count(), failed.size());
        String someone = all.stream().map(r -> r.outcome().recipient()).filter(r -> r != null && r.contains("@"))
                .findFirst().orElseThrow();
        String prefix = someone.substring(0, someone.indexOf('@') + 1);
        List<StoredDelivery> byPrefix = everything(Viewer.all(),
                SearchParams.builder().recipient(prefix).match(SearchParams.Match.PREFIX).build());
        assertEquals(all.stream().filter(r -> r.outcome().recipient() != null
                && r.outcome().recipient().toLowerCase().startsWith(prefix.toLowerCase())).count(), byPrefix.size());
        List<StoredDelivery> remote = everything(Viewer.all(),
                SearchParams.builder().deliveryType(SearchParams.DeliveryType.REMOTE).build());
        assertEquals(all.stream().filter(r -> r.outcome().transportIsRemote()).count(), remote.size());
        long mid = all.get(all.size() / 2).outcome().sendunixtime();
        List<StoredDelivery> later = everything(Viewer.all(), SearchParams.builder().since(mid).build());
        assertEquals(all.stream().filter(r -> r.outcome().sendunixtime() >= mid).count(), later.size());
        // Wildcards in what users type are literal.
        assertTrue(queries.search(Viewer.all(), SearchParams.builder().recipient("%").match(SearchParams.Match.CONTAINS)
                .build(), false).rows().isEmpty());
    }

    @Test
    void search_countsStopAtTheirLimit_andSaySo() throws Exception {
        SearchPage exact = queries.search(Viewer.all(), SearchParams.all(), true);
        assertTrue(exact.countsComplete());
        assertEquals(all.size(), exact.total());
        DeliveryQueries capped = new DeliveryQueries(ds, SERVER, 1000, 50);
        SearchPage page = capped.search(Viewer.all(), SearchParams.all(), true);
        assertFalse(page.countsComplete());
        assertEquals(1000, page.total());
        assertEquals(exact.rows().size(), page.rows().size(), "the page itself is whole");
        String user = busiestUsers().get(0);
        assertFalse(capped.search(Viewer.account(user), SearchParams.all(), true).countsComplete());
        assertTrue(queries.search(Viewer.account(user), SearchParams.all(), true).countsComplete());
    }

    @Test
    void search_cursorOfAnotherSearch_isRefused() throws Exception {
        SearchPage first = queries.search(Viewer.all(), SearchParams.builder().limit(10).build(), false);
        assertNotNull(first.next());
        SearchParams other = SearchParams.builder().limit(10).types(EnumSet.of(OutcomeType.SUCCESS))
                .cursor(first.next()).build();
        assertThrows(BadQueryException.class, () -> queries.search(Viewer.all(), other, false));
        assertThrows(BadQueryException.class, () -> queries.search(Viewer.all(),
                SearchParams.builder().cursor("not-a-cursor!").build(), false));
        assertThrows(BadQueryException.class, () -> SearchParams.builder().limit(1001).build());
    }

    @Test
    void story_showsRowsAndLines_scopedToTheViewersRecipients() throws Exception {
        MessageQueries stories = new MessageQueries(ds, queries);
        // A message with recipients in two different accounts.
        Map<String, List<StoredDelivery>> byMsg = new HashMap<>();
        all.forEach(r -> {
            if (r.outcome().msgid() != null) {
                byMsg.computeIfAbsent(r.outcome().msgid(), k -> new ArrayList<>()).add(r);
            }
        });
        List<StoredDelivery> rows = byMsg.values().stream().filter(l -> l.size() >= 2).findFirst().orElseThrow();
        String msgid = rows.get(0).outcome().msgid();
        MessageStory full = stories.story(Viewer.all(), msgid, null);
        assertEquals(rows.size(), full.rows().size());
        assertTrue(full.lines().stream().anyMatch(l -> l.contains(msgid + " <= ")), "the arrival line");
        assertEquals(0, full.hiddenLines());
        for (int i = 1; i < full.lines().size(); i++) {
            assertTrue(full.lines().get(i - 1).substring(0, 19).compareTo(full.lines().get(i).substring(0, 19)) <= 0);
        }
        assertNull(stories.story(Viewer.account("nobody-here"), msgid, null), "a stranger learns nothing");
        assertThrows(BadQueryException.class, () -> stories.story(Viewer.all(), "../../etc", null));
        // A recipient's account sees its own rows, and no line naming a recipient it cannot see.
        for (StoredDelivery r : rows) {
            String owner = domainOwner.get(CpanelAccounts.domainOf(r.outcome().recipient()));
            if (owner == null || owner.equals(r.outcome().user())) {
                continue;
            }
            MessageStory theirs = stories.story(Viewer.account(owner), msgid, null);
            assertNotNull(theirs);
            for (StoredDelivery other : rows) {
                if (!concerns(other.outcome(), owner)) {
                    String hidden = other.outcome().recipient().toLowerCase();
                    assertTrue(theirs.lines().stream().noneMatch(l -> l.toLowerCase().contains(hidden)), hidden);
                    assertTrue(theirs.rows().stream().noneMatch(x -> hidden.equalsIgnoreCase(x.outcome().recipient())));
                }
            }
        }
    }

    @Test
    void stats_sumToTheRowsOfTheRange() throws Exception {
        StatsQueries stats = new StatsQueries(ds, SERVER);
        long from = all.get(all.size() - 1).outcome().sendunixtime();
        long to = all.get(0).outcome().sendunixtime() + 1;
        Stats s = stats.stats(Viewer.all(), from, to, 3600, null);
        assertEquals(all.size(), s.series().stream().flatMap(b -> b.counts().values().stream())
                .mapToLong(Long::longValue).sum());
        assertTrue(s.accounts().size() <= StatsQueries.TOP);
        for (int i = 1; i < s.accounts().size(); i++) {
            assertTrue(s.accounts().get(i - 1).troubles() >= s.accounts().get(i).troubles());
        }
        String user = busiestUsers().get(0);
        Stats mine = stats.stats(Viewer.account(user), from, to, 86400, null);
        assertEquals(all.stream().filter(r -> concerns(r.outcome(), user)).count(),
                mine.series().stream().flatMap(b -> b.counts().values().stream()).mapToLong(Long::longValue).sum());
        assertThrows(BadQueryException.class, () -> stats.stats(Viewer.all(), to, from, 3600, null));
    }

    @Test
    void stats_eachAccountAndDomain_isWhatASearchOfItsSentMailCounts() throws Exception {
        StatsQueries stats = new StatsQueries(ds, SERVER);
        long from = all.get(all.size() - 1).outcome().sendunixtime();
        long to = all.get(0).outcome().sendunixtime() + 1;
        String reseller = userOwner.values().stream().filter(o -> !o.equals("root")).findFirst().orElseThrow();
        Set<String> itsAccounts = new HashSet<>();
        userOwner.forEach((u, o) -> {
            if (o.equals(reseller)) {
                itsAccounts.add(u);
            }
        });
        String user = busiestUsers().get(0);
        for (Viewer v : List.of(Viewer.all(), Viewer.reseller(reseller, itsAccounts), Viewer.account(user))) {
            Stats s = stats.stats(v, from, to, 3600, null);
            int checked = 0;
            for (boolean byAccount : new boolean[] {true, false}) {
                for (Stats.Group g : byAccount ? s.accounts() : s.domains()) {
                    if (g.name().startsWith("-") || byAccount && !v.covers(g.name())) {
                        continue;
                    }
                    SearchParams.Builder b = SearchParams.builder().sent(true).since(from).until(to);
                    SearchPage page = queries.search(v, (byAccount ? b.user(g.name()) : b.domain(g.name())).build(), true);
                    assertEquals(g.counts(), page.counts(), (byAccount ? "account " : "domain ") + g.name());
                    checked++;
                }
            }
            assertTrue(checked > 1, s.toString());
        }
        assertThrows(BadQueryException.class, () -> SearchParams.builder().sent(true).build());
    }

    @Test
    void export_writesEveryRowOfTheSearch() throws Exception {
        String user = busiestUsers().get(0);
        StringBuilder csv = new StringBuilder();
        long rows = new CsvExport(queries).export(Viewer.account(user), SearchParams.all(), csv::append);
        assertEquals(all.stream().filter(r -> concerns(r.outcome(), user)).count(), rows);
        assertTrue(csv.toString().startsWith(CsvExport.HEADER));
        assertEquals(rows + 1, csv.toString().split("\r\n", -1).length - 1);
    }

    @Test
    void search_serverFilter_unknownServerIsEmpty() throws Exception {
        assertTrue(queries.search(Viewer.all(), SearchParams.builder().server("elsewhere").build(), true)
                .rows().isEmpty());
        assertEquals(all.size(), everything(Viewer.all(), SearchParams.builder().server(SERVER).build()).size());
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM delivery_owner")) {
            ResultSet rs = ps.executeQuery();
            rs.next();
            assertTrue(rs.getLong(1) > 0);
        }
    }

    /**
     * Regression: account names and message ids are stored as ASCII, and MariaDB refuses to
     * compare those columns with other text (an illegal mix of collations): a search for such an
     * account or id was answered as a database that did not answer. It finds nothing.
     */
    @Test
    void search_accountOrMessageIdOutsideAscii_findsNothing() throws Exception {
        String user = busiestUsers().get(0);
        for (SearchParams p : List.of(SearchParams.builder().user("jos\u00e9").build(),
                SearchParams.builder().msgid("1vD9xY-000A1b-\u00e92").build())) {
            SearchPage page = queries.search(Viewer.all(), p, true);
            assertTrue(page.rows().isEmpty(), p.toString());
            assertEquals(0, page.total(), p.toString());
        }
        SearchPage own = queries.search(Viewer.account(user), SearchParams.builder().msgid("\u00e9").build(), true);
        assertTrue(own.rows().isEmpty());
        assertThrows(ForbiddenException.class, () -> queries.search(Viewer.account(user),
                SearchParams.builder().user("jos\u00e9").build(), false), "another account stays forbidden");
    }
}
