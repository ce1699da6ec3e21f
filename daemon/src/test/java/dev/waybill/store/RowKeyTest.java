package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
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
        byte[] rejection = RowKey.ofRejection("s", 1795838569L, "line").bytes();
        assertTrue(Arrays.compareUnsigned(early, rejection) < 0);
    }
}
