package dev.waybill.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.Ingester;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message's lines stored by readings that cut them into batches at different places: the
 * daemon's tail commits every 200 ms, so the lines of one second often land in batches of their
 * own, while {@code waybill import} or a first start's backfill reads the same lines in batches
 * of thousands. The story shows each line once, in the log's order.
 */
@ExtendWith(PrivateMariaDb.class)
class MessageStoryReadTwiceTest {

    private static final String SERVER = "web1";
    private static final String MSGID = "1xXFDs-0000Aa-0A";
    private static final List<String> LOG = List.of(
            "2026-11-28 10:00:00 " + MSGID + " <= ann@sender.example U=ann P=local S=2100 id=a@sender.example T=\"Plans\"",
            "2026-11-28 10:00:00 " + MSGID + " => bob <bob@local.example> R=virtual_user T=dovecot_virtual_delivery",
            "2026-11-28 10:00:00 " + MSGID + " == carol@far.example R=dkim_lookuphost T=remote_smtp defer (-44):"
                    + " SMTP error from remote mail server after RCPT TO:<carol@far.example>: 451 4.7.1 try later",
            "2026-11-28 10:15:00 " + MSGID + " => carol@far.example R=dkim_lookuphost T=remote_smtp"
                    + " H=mx.far.example [192.0.2.7] C=\"250 OK\"",
            "2026-11-28 10:15:00 " + MSGID + " Completed");

    /** Stores {@code LOG}, a batch ending after each line whose index is in {@code cuts}. */
    private static void store(DeliveryStore store, Path root, List<Integer> cuts) throws Exception {
        Ingester ingester = new Ingester(SERVER, CpanelAccounts.read(root), 7 * 86400);
        LineParser parser = new LineParser(ZoneOffset.UTC);
        for (int i = 0; i < LOG.size(); i++) {
            ingester.accept(parser.parse(LOG.get(i)), -1);
            if (cuts.contains(i)) {
                store.write(ingester.takeBatch());
            }
        }
        store.write(ingester.takeBatch());
    }

    @Test
    void story_ofLinesReadInBatchesCutDifferently_showsEachLineOnce_inTheLogsOrder(TestDatabase db, @TempDir Path root)
            throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "sender.example: ann\nlocal.example: bob\n");
        try (HikariDataSource ds = db.pool(2)) {
            DeliveryStore store = new DeliveryStore(ds, SERVER);
            store.prepare();
            MessageQueries stories = new MessageQueries(ds, new DeliveryQueries(ds, SERVER));
            store(store, root, List.of(0, 1, 2, 3)); // the tail: a batch a line
            assertEquals(LOG, stories.story(Viewer.all(), MSGID, null).lines(), "read a batch a line");
            store(store, root, List.of()); // an import: one batch
            store(store, root, List.of(1)); // a restart's replay, cut elsewhere
            assertEquals(LOG, stories.story(Viewer.all(), MSGID, null).lines(), "read three times");
            assertEquals(LOG, stories.story(Viewer.account("ann"), MSGID, null).lines(), "as the sender's account");
        }
    }
}
