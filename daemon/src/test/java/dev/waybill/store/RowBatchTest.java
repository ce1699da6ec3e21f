package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowBatchTest {

    private static Outcome row(String msgid, int n) {
        return new Outcome(OutcomeType.SUCCESS, msgid, "a@b", null, null, null, 1, null, null, null, null, 1, "c@d",
                null, null, null, null, null, null, null, "Accepted", 1, false, null, 1, null, null, null, null, n);
    }

    @Test
    void split_everyRowLineAndRetractionInExactlyOnePart_marksInNone() {
        RowBatch b = new RowBatch();
        for (int i = 0; i < 200; i++) {
            String id = "1xX9eC-0000" + String.format("%02d", i % 100) + "-aa";
            b.row(RowKey.ofMessage("s", id, i), row(id, i), List.of("u"));
            b.line(id, 1, "line " + i);
        }
        b.retract(RowKey.ofMessage("s", "1xX9eC-000099-aa", 999), 1, List.of("u"));
        b.position("log", "p", null);
        List<RowBatch> parts = b.split(2);
        assertEquals(b.rows.size(), parts.get(0).rows.size() + parts.get(1).rows.size());
        assertEquals(b.chunks.size(), parts.get(0).chunks.size() + parts.get(1).chunks.size());
        assertEquals(b.size(), parts.get(0).size() + parts.get(1).size());
        assertFalse(parts.get(0).rows.isEmpty() || parts.get(1).rows.isEmpty(), "both writers get work");
        for (RowBatch part : parts) {
            assertFalse(part.hasMarks());
            part.rows.keySet().forEach(k -> assertTrue(b.rows.containsKey(k)));
        }
        // The same key always goes to the same part.
        RowKey k = b.rows.keySet().iterator().next();
        assertEquals(b.split(2).get(0).rows.containsKey(k), parts.get(0).rows.containsKey(k));
        RowBatch marks = b.marksOnly();
        assertTrue(marks.hasMarks());
        assertEquals(0, marks.size());
        assertNull(marks.imported);
    }
}
