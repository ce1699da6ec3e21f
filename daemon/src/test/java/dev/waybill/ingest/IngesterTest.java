package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class IngesterTest {

    /**
     * A batch is due after so many lines, or after {@link Ingester#BATCH_CHARS} of them, whichever
     * comes first: a backlog of 60 KB lines (one message logging a huge header, say) is written
     * in batches of some seventy lines, not of thousands, which would hold hundreds of megabytes.
     */
    @Test
    void due_afterSoManyLines_orSoManyCharactersOfThem() {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        Ingester ingester = new Ingester("test", CpanelAccounts.none(), 86_400);
        String id = "1vAbcD-000001-AA";
        ingester.accept(parser.parse("2026-11-28 10:00:00 " + id + " <= a@b.test H=mx [192.0.2.1] P=esmtp S=10 for c@d.test"), -1);
        String filler = "x".repeat(60_000);
        int lines = 1;
        while (!ingester.due(5_000)) {
            ingester.accept(parser.parse("2026-11-28 10:00:01 " + id + " == c@d.test R=r T=t defer (-1): " + filler), -1);
            lines++;
            assertTrue(lines < 100, "still not due after " + lines + " lines of 60 KB");
        }
        assertTrue(lines > 60, "due at " + lines + " lines: about " + Ingester.BATCH_CHARS / 60_000);
        ingester.takeBatch();
        assertFalse(ingester.due(5_000));
        for (int i = 0; i < 4_999; i++) {
            ingester.accept(parser.parse("2026-11-28 10:00:02 " + id + " == c@d.test R=r T=t defer (-1): short"), -1);
        }
        assertFalse(ingester.due(5_000), "4,999 short lines");
        ingester.accept(parser.parse("2026-11-28 10:00:02 " + id + " == c@d.test R=r T=t defer (-1): short"), -1);
        assertTrue(ingester.due(5_000), "5,000 lines");
    }

    /**
     * A reading that writes each message once (an import, a backfill) makes fresh batches, which
     * the store loads; a live one writes rows again at each change, and its batches are not.
     */
    @Test
    void takeBatch_isFreshForAFinishedOnlyReading_only() {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        Ingester live = new Ingester("test", CpanelAccounts.none(), 86_400);
        Ingester once = Ingester.finishedOnly("test", CpanelAccounts.none(), 86_400);
        for (Ingester ingester : List.of(live, once)) {
            for (int batch = 0; batch < 2; batch++) {
                ingester.accept(parser.parse("2026-11-28 10:00:0" + batch + " 1vAbcD-00000" + batch
                        + "-AA <= a@b.test H=mx [192.0.2.1] P=esmtp S=10 for c@d.test"), -1);
                assertEquals(ingester == once, ingester.takeBatch().isFresh(), "batch " + batch);
            }
        }
    }

    /**
     * A restart replays from the oldest message open at the stop, which may be days of log: the
     * messages the replay finishes are in the store, and are let go as it goes, not held until
     * the first new line (which ran a daemon out of memory at a restart, and again at each retry).
     */
    @Test
    void replay_holdsNothingOfWhatItFinishes_andTheFirstNewLineIsWritten() {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        Ingester ingester = new Ingester("test", CpanelAccounts.none(), 86_400);
        for (int i = 0; i < 20_000; i++) {
            String id = String.format("1vAb%02d-%06d-AA", i / 10_000, i % 10_000);
            ingester.accept(parser.parse("2026-11-28 10:00:00 " + id + " <= a@b.test H=mx [192.0.2.1] P=esmtp S=10"
                    + " for c@d.test"), i * 3L, true);
            ingester.accept(parser.parse("2026-11-28 10:00:01 " + id + " => c@d.test R=r T=t H=mx.d.test"
                    + " [192.0.2.2] C=\"250 OK\""), i * 3L + 1, true);
            ingester.accept(parser.parse("2026-11-28 10:00:01 " + id + " Completed"), i * 3L + 2, true);
            assertTrue(ingester.heldChanges() <= 1, "held after " + (i + 1) + " replayed messages: "
                    + ingester.heldChanges());
        }
        ingester.accept(parser.parse("2026-11-28 10:00:02 1vAbZZ-000001-AA <= a@b.test H=mx [192.0.2.1] P=esmtp"
                + " S=10 for e@d.test"), 60_000, false);
        assertEquals(1, ingester.takeBatch().deliveryRows(), "only the new message's row");
    }
}
