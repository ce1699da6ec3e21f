package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowBatchTest {

    private static Outcome row(String msgid, int n) {
        return new Outcome(OutcomeType.SUCCESS, msgid, "a@b", null, null, null, 1, null, null, null, null, 1, "c@d",
                null, null, null, null, null, null, null, "Accepted", 1, false, null, 1, null, null, null, null, n);
    }

    @Test
    void split_deliveriesInOnePart_ownersAndLinesInTheOther_marksInNeither() {
        RowBatch b = new RowBatch();
        for (int i = 0; i < 200; i++) {
            String id = "1xX9eC-0000" + String.format("%02d", i % 100) + "-aa";
            b.row(RowKey.ofMessage(id, i), row(id, i), List.of("u"));
            b.line(id, 1, 0, "line " + i);
        }
        b.retract(RowKey.ofMessage("1xX9eC-000099-aa", 999), 1, List.of("u"));
        b.position("log", "p", null);
        b.fresh(true);
        List<RowBatch> parts = b.split();
        assertEquals(2, parts.size());
        RowBatch deliveries = parts.get(0);
        RowBatch side = parts.get(1);
        assertTrue(deliveries.tables.deliveries() && !deliveries.tables.ownersAndLines());
        assertTrue(side.tables.ownersAndLines() && !side.tables.deliveries());
        // Both parts know every row and retraction: one writes the rows, the other their owners.
        assertEquals(b.rows.keySet(), deliveries.rows.keySet());
        assertEquals(b.rows.keySet(), side.rows.keySet());
        assertEquals(b.retracted.keySet(), deliveries.retracted.keySet());
        assertEquals(b.retracted.keySet(), side.retracted.keySet());
        assertTrue(deliveries.chunks.isEmpty());
        assertEquals(b.chunks.keySet(), side.chunks.keySet());
        // Counted once between them.
        assertEquals(b.size(), deliveries.size() + side.size());
        assertEquals(b.deliveryRows(), deliveries.deliveryRows() + side.deliveryRows());
        for (RowBatch part : parts) {
            assertFalse(part.hasMarks());
            assertFalse(part.isEmpty());
            assertTrue(part.fresh, "a fresh batch's parts are fresh: each is inserted first");
        }
        RowBatch marks = b.marksOnly();
        assertTrue(marks.hasMarks());
        assertEquals(0, marks.size());
        assertNull(marks.imported);
    }

    @Test
    void chunkId_sameLinesSameId_otherLinesOtherId() {
        RowBatch a = new RowBatch();
        RowBatch b = new RowBatch();
        RowBatch c = new RowBatch();
        for (String line : List.of("2026-11-28 08:00:00 1xX9eC-000001-aa <= a@b", "2026-11-28 08:00:01 1xX9eC-000001-aa => c@d")) {
            a.line("1xX9eC-000001-aa", 1, 0, line);
            b.line("1xX9eC-000001-aa", 1, 0, line);
        }
        c.line("1xX9eC-000001-aa", 1, 0, "2026-11-28 08:00:00 1xX9eC-000001-aa <= a@b");
        c.line("1xX9eC-000001-aa", 1, 0, "2026-11-28 08:00:01 1xX9eC-000001-aa => c@e");
        RowBatch.Chunk ca = a.chunks.get("1xX9eC-000001-aa");
        assertArrayEquals(ca.id(), b.chunks.get("1xX9eC-000001-aa").id());
        assertFalse(Arrays.equals(ca.id(), c.chunks.get("1xX9eC-000001-aa").id()));
        assertEquals("2026-11-28 08:00:00 1xX9eC-000001-aa <= a@b\n2026-11-28 08:00:01 1xX9eC-000001-aa => c@d", ca.text());
    }

    /** The chunks of a message that begin in one second, each committed apart, sort by id in the log's order. */
    @Test
    void chunkId_beginsWithTheFirstLinesPlaceInItsSecond() {
        String id = "1xX9eC-000001-aa";
        byte[] previous = null;
        for (int place = 0; place < 300; place++) {
            RowBatch b = new RowBatch();
            b.line(id, 1, place, "2026-11-28 08:00:00 " + id + " line " + (1000 - place));
            byte[] chunkId = b.chunks.get(id).id();
            if (previous != null) {
                assertTrue(Arrays.compareUnsigned(previous, chunkId) < 0, "place " + place);
            }
            previous = chunkId;
        }
    }
}
