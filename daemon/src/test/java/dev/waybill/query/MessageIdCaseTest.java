package dev.waybill.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.Ingester;
import dev.waybill.store.DeliveryStore;
import dev.waybill.store.Retention;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exim's message ids are case-sensitive: {@code 1xX9eC-0000L2-1t} and {@code 1xX9ec-0000l2-1T} are
 * two messages, 26 s apart, which the database's collation of the id columns takes for one. Each
 * message keeps its own lines, in what an account is shown and in what retention removes.
 */
@ExtendWith(PrivateMariaDb.class)
class MessageIdCaseTest {

    static final String SERVER = "case-test";
    static final String MINE = "1xX9eC-0000L2-1t";
    static final String THEIRS = "1xX9ec-0000l2-1T";

    /** Alice's message (account alice), then Carol's (account carol) 26 s later, with an id differing in case. */
    static final String LOG = """
            2026-11-28 04:02:48 %1$s <= alice@alice.example U=alice P=local S=400 T="ours"
            2026-11-28 04:02:48 %1$s => somebody@far.example R=dkim_lookuphost T=remote_smtp H=mx.far.example [192.0.2.7]
            2026-11-28 04:02:48 %1$s Completed
            2026-11-28 04:03:14 %2$s <= carol@carol.example U=carol P=local S=500 T="theirs, private"
            2026-11-28 04:03:14 %2$s == secret-recipient@elsewhere.example R=dkim_lookuphost T=remote_smtp defer (-44): SMTP error from remote mail server after RCPT TO:<secret-recipient@elsewhere.example>: 451 4.7.1 try later
            """.formatted(MINE, THEIRS);

    private static HikariDataSource store(TestDatabase db, Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "alice.example: alice\ncarol.example: carol\n");
        HikariDataSource ds = db.pool(2);
        DeliveryStore store = new DeliveryStore(ds, SERVER);
        store.prepare();
        Ingester ingester = new Ingester(SERVER, CpanelAccounts.read(root), 7 * 86400);
        LineParser parser = new LineParser(ZoneOffset.UTC);
        for (String line : LOG.split("\n")) {
            ingester.accept(parser.parse(line), -1);
        }
        store.write(ingester.takeBatch());
        return ds;
    }

    @Test
    void story_showsOnlyTheLinesOfItsOwnId(TestDatabase db, @TempDir Path root) throws Exception {
        try (HikariDataSource ds = store(db, root)) {
            MessageQueries stories = new MessageQueries(ds, new DeliveryQueries(ds, SERVER));
            MessageStory mine = stories.story(Viewer.account("alice"), MINE, null);
            assertNotNull(mine);
            assertEquals(3, mine.lines().size(), mine.lines().toString());
            assertTrue(mine.lines().stream().allMatch(l -> l.contains(MINE)), mine.lines().toString());
            MessageStory theirs = stories.story(Viewer.all(), THEIRS, null);
            assertEquals(2, theirs.lines().size(), theirs.lines().toString());
            assertTrue(theirs.lines().stream().allMatch(l -> l.contains(THEIRS)), theirs.lines().toString());
            assertNull(stories.story(Viewer.account("alice"), THEIRS, null), "not alice's message");
        }
    }

    /**
     * Retention removes a quiet message's lines, not those of its case twin, which is still being
     * retried: its rows stay, and so must its lines.
     */
    @Test
    void retention_keepsTheLinesOfATwinStillActive(TestDatabase db, @TempDir Path root) throws Exception {
        try (HikariDataSource ds = store(db, root)) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                // Carol's message is retried ever since: its row was written to long after the cutoff.
                st.execute("UPDATE delivery SET last_time = last_time + 86400 WHERE BINARY msgid = '" + THEIRS + "'");
            }
            long cutoff = 1795867200L; // 2026-11-28 12:00 UTC: after both arrivals, before Carol's last try
            new Retention(ds, SERVER).purgeBefore(cutoff);
            try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT BINARY msgid, COUNT(*) FROM message_log GROUP BY BINARY msgid")) {
                assertTrue(rs.next(), "the lines of the message still being retried are gone");
                assertEquals(THEIRS, rs.getString(1));
                assertFalse(rs.next(), "the quiet message's lines stay");
            }
        }
    }
}
