package dev.waybill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.query.DeliveryQueries;
import dev.waybill.query.MessageQueries;
import dev.waybill.query.SearchPage;
import dev.waybill.query.SearchParams;
import dev.waybill.query.Stats;
import dev.waybill.query.StatsQueries;
import dev.waybill.query.Viewer;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.StoredLog;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message whose arrival line was not read (it was in a log rotated away before the daemon
 * started, or in a file not imported yet) is still the mail of the moment it arrived: Exim's id
 * says when that was. An account created after that moment — one given a terminated account's
 * name — sees nothing of it, before the older file is imported or after.
 */
@ExtendWith(PrivateMariaDb.class)
class ReusedAccountNameLateLinesTest {

    private static final String SERVER = "web1";
    private static final PeerIdentity EXAMPLECO = new PeerIdentity(101, 1001, 1001);
    /** 2026-11-28 10:00:00 UTC, the time in the id 1xXFDs-…: when the old account's mail arrived. */
    private static final long ARRIVED = 1795860000L;
    /** 2026-11-28 12:00:00 UTC: when the account now called exampleco was created. */
    private static final long CREATED = ARRIVED + 7200;
    private static final String MSGID = "1xXFDs-0000Aa-0A";
    private static final List<String> ARRIVAL = List.of(
            "2026-11-28 10:00:00 " + MSGID + " <= stranger@outside.test H=(mx.outside.test) [192.0.2.7]:54752"
                    + " P=esmtp S=485 id=old@mx.outside.test T=\"For the old account\" for bob@example.com",
            "2026-11-28 10:00:00 " + MSGID + " == bob <bob@example.com> R=virtual_user T=dovecot_virtual_delivery"
                    + " defer (-22): Mailbox quota exceeded");
    private static final List<String> DELIVERY = List.of(
            "2026-11-28 14:00:00 " + MSGID + " => bob <bob@example.com> R=virtual_user T=dovecot_virtual_delivery",
            "2026-11-28 14:00:00 " + MSGID + " Completed");

    @TempDir
    Path dir;
    private Path cpanel;
    private HikariDataSource ds;
    private DeliveryStore store;
    private DeliveryQueries deliveries;

    @BeforeEach
    void accounts(TestDatabase db) throws Exception {
        ds = db.pool(2);
        cpanel = dir.resolve("cpanel");
        Files.createDirectories(cpanel.resolve("etc"));
        Files.createDirectories(cpanel.resolve("var/cpanel/users"));
        Files.writeString(cpanel.resolve("etc/userdomains"), "example.com: exampleco\n");
        Files.writeString(cpanel.resolve("etc/trueuserowners"), "exampleco: root\n");
        Files.writeString(cpanel.resolve("var/cpanel/users/exampleco"), "DNS=example.com\nSTARTDATE=" + CREATED + "\n");
        Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n"
                + "exampleco:x:1001:1001::/home/exampleco:/bin/bash\n");
        store = new DeliveryStore(ds, SERVER);
        deliveries = new DeliveryQueries(ds, SERVER);
    }

    @AfterEach
    void close() {
        ds.close();
    }

    private Viewer exampleco() throws Exception {
        ScopeResolver resolver = new ScopeResolver(LiveAccounts.watching(cpanel, l -> { }),
                new SystemUsers(dir.resolve("passwd")));
        ScopeResolver.Access access = resolver.resolve(EXAMPLECO, null, null);
        Request req = new Request(JsonNull.INSTANCE, "search", new Params(new JsonObject()), access.caller());
        return QueryMethods.viewer(req, access.scope());
    }

    private void seesNothing(Viewer v) throws Exception {
        SearchPage page = deliveries.search(v, SearchParams.builder().limit(100).build(), true);
        assertEquals(List.of(), page.rows(), "rows");
        assertEquals(0, page.total(), "counts " + page.counts());
        SearchPage typed = deliveries.search(v, SearchParams.builder().types(EnumSet.allOf(OutcomeType.class))
                .limit(100).build(), true);
        assertEquals(0, typed.total(), "counts from the owner entries " + typed.counts());
        assertNull(new MessageQueries(ds, deliveries).story(v, MSGID, null), "the message's story");
        Stats s = new StatsQueries(ds, SERVER).stats(v, ARRIVED - 86400, ARRIVED + 86400, 3600, null);
        assertEquals(List.of(), s.series(), "statistics");
    }

    @Test
    void messageReadWithoutItsArrival_isNotShownToAnAccountCreatedAfterItArrived() throws Exception {
        StoredLog.store(store, cpanel, DELIVERY);
        SearchPage root = deliveries.search(Viewer.all(), SearchParams.builder().limit(100).build(), false);
        assertEquals(1, root.rows().size(), "root sees the delivery");
        seesNothing(exampleco());
    }

    @Test
    void arrivalImportedAfterTheDelivery_leavesNoCountOfTheOlderMail() throws Exception {
        StoredLog.store(store, cpanel, DELIVERY);
        StoredLog.store(store, cpanel, concat(ARRIVAL, DELIVERY)); // the rotated file imported
        SearchPage root = deliveries.search(Viewer.all(), SearchParams.builder().limit(100).build(), true);
        assertEquals(1, root.rows().size());
        assertEquals(ARRIVED, root.rows().get(0).outcome().sendunixtime());
        seesNothing(exampleco());
        // And without a creation time the account counts its one message once.
        Files.writeString(cpanel.resolve("var/cpanel/users/exampleco"), "DNS=example.com\n");
        Files.setLastModifiedTime(cpanel.resolve("var/cpanel/users/exampleco"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        SearchPage mine = deliveries.search(exampleco(), SearchParams.builder().types(EnumSet.allOf(OutcomeType.class))
                .limit(100).build(), true);
        assertEquals(1, mine.rows().size());
        assertEquals(1, mine.total(), "counts " + mine.counts());
    }

    @Test
    void accountCreatedBeforeTheArrival_seesTheMessageReadWithoutIt() throws Exception {
        Files.writeString(cpanel.resolve("var/cpanel/users/exampleco"), "STARTDATE=" + (ARRIVED - 60) + "\n");
        StoredLog.store(store, cpanel, DELIVERY);
        SearchPage page = deliveries.search(exampleco(), SearchParams.builder().limit(100).build(), true);
        assertEquals(1, page.rows().size(), "its own mail");
        assertEquals(ARRIVED, page.rows().get(0).outcome().sendunixtime(), "keyed by the time in its id");
        assertNotNull(new MessageQueries(ds, deliveries).story(exampleco(), MSGID, null));
    }

    /**
     * A message takes seconds to arrive: its arrival line is stamped later than its id. Read
     * without that line first, its row was keyed by the id's time; read whole later, the row moves
     * to the arrival's second, and its owners' counts by type still count it once.
     */
    @Test
    void arrivalStampedAfterItsIdAndReadLater_isCountedOnce() throws Exception {
        Files.writeString(cpanel.resolve("var/cpanel/users/exampleco"), "STARTDATE=" + (ARRIVED - 60) + "\n");
        List<String> slowArrival = ARRIVAL.stream().map(l -> l.replace("10:00:00", "10:00:04")).toList();
        StoredLog.store(store, cpanel, DELIVERY);
        StoredLog.store(store, cpanel, concat(slowArrival, DELIVERY));
        SearchPage mine = deliveries.search(exampleco(), SearchParams.builder().types(EnumSet.allOf(OutcomeType.class))
                .limit(100).build(), true);
        assertEquals(1, mine.rows().size());
        assertEquals(ARRIVED + 4, mine.rows().get(0).outcome().sendunixtime(), "the arrival's time");
        assertEquals(1, mine.total(), "counts " + mine.counts());
        Stats s = new StatsQueries(ds, SERVER).stats(exampleco(), ARRIVED - 3600, ARRIVED + 3600, 3600, null);
        assertEquals(1, s.series().stream().mapToLong(p -> p.counts().values().stream().mapToLong(Long::longValue).sum())
                .sum(), "statistics " + s.series());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
