package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowKeyTest {

    @Test
    void idTime_realEximIds_decodeToTheirArrival() {
        // 1xX9eC-0000L2-1t was logged at 2026-11-28 04:02:48 UTC by the real Exim of the fixtures.
        assertEquals(1795838568L, RowKey.idTime("1xX9eC-0000L2-1t"));
        assertEquals(0, RowKey.idTime("!!"));
        assertEquals(0, RowKey.idTime("1xX9e$-0000L2-1t"));
        assertEquals(0, RowKey.idTime(null));
    }

    @Test
    void ofMessage_sameInputs_sameKey_laterIdSortsAfter() {
        assertArrayEquals(RowKey.ofMessage("s", "1xX9eC-0000L2-1t", 1).bytes(),
                RowKey.ofMessage("s", "1xX9eC-0000L2-1t", 1).bytes());
        assertFalse(Arrays.equals(RowKey.ofMessage("s", "1xX9eC-0000L2-1t", 1).bytes(),
                RowKey.ofMessage("s", "1xX9eC-0000L2-1t", 2).bytes()));
        assertFalse(Arrays.equals(RowKey.ofMessage("s", "1xX9eC-0000L2-1t", 1).bytes(),
                RowKey.ofMessage("t", "1xX9eC-0000L2-1t", 1).bytes()));
        byte[] early = RowKey.ofMessage("s", "1xX9eC-0000L2-1t", 9).bytes();
        byte[] late = RowKey.ofMessage("s", "1xX9eD-0000A0-00", 1).bytes();
        assertTrue(Arrays.compareUnsigned(early, late) < 0, "keys sort by the id's time");
        byte[] rejection = RowKey.ofRejection("s", null, 1795838569L, "line").bytes();
        assertTrue(Arrays.compareUnsigned(early, rejection) < 0);
    }

    @Test
    void messageRange_holdsEveryRowOfTheMessage_onEveryServer_andNoOtherMessage() {
        String id = "1xX9eC-0000L2-1t";
        byte[][] range = RowKey.messageRange(id);
        for (String server : List.of("s", "t", "a-much-longer-server-name.example.com")) {
            for (int row : new int[] {0, 1, 2, 99, 65_536, RowKey.REJECTION_ROWS - 1, Integer.MAX_VALUE}) {
                assertTrue(inside(RowKey.ofMessage(server, id, row).bytes(), range), server + " row " + row);
            }
            assertTrue(inside(RowKey.ofRejection(server, id, 1795838568L, "rejected after DATA: spam").bytes(), range));
            assertFalse(inside(RowKey.ofRejection(server, null, 1795838568L, "rejected RCPT").bytes(), range));
        }
        // Neighbours in time, and another message of the same second, fall outside.
        for (String other : List.of("1xX9eC-0000L2-1u", "1xX9eB-0000L2-1t", "1xX9eD-0000L2-1t", "1xX9eC-0000L3-1t")) {
            assertFalse(inside(RowKey.ofMessage("s", other, 1).bytes(), range), other);
        }
    }

    @Test
    void ofMessage_rowsAndRejectionsOfOneMessage_neverShareAKey() {
        String id = "1xX9eC-0000L2-1t";
        java.util.Set<RowKey> keys = new java.util.HashSet<>();
        for (int row = 0; row < 2_000; row++) {
            assertTrue(keys.add(RowKey.ofMessage("s", id, row)));
        }
        assertTrue(keys.add(RowKey.ofRejection("s", id, 1795838568L, "rejected after DATA: one")));
        assertTrue(keys.add(RowKey.ofRejection("s", id, 1795838568L, "rejected after DATA: another")));
        assertTrue(keys.add(RowKey.ofMessage("t", id, 1)), "another server's row 1");
    }

    private static boolean inside(byte[] key, byte[][] range) {
        return Arrays.compareUnsigned(range[0], key) <= 0 && Arrays.compareUnsigned(key, range[1]) <= 0;
    }
}
