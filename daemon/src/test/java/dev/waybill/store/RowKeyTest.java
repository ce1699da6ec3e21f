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
        assertArrayEquals(RowKey.ofMessage("1xX9eC-0000L2-1t", 1).bytes(7), RowKey.ofMessage("1xX9eC-0000L2-1t", 1).bytes(7));
        assertFalse(Arrays.equals(RowKey.ofMessage("1xX9eC-0000L2-1t", 1).bytes(7),
                RowKey.ofMessage("1xX9eC-0000L2-1t", 2).bytes(7)));
        byte[] early = RowKey.ofMessage("1xX9eC-0000L2-1t", 9).bytes(7);
        byte[] late = RowKey.ofMessage("1xX9eD-0000A0-00", 1).bytes(7);
        assertTrue(Arrays.compareUnsigned(early, late) < 0, "keys sort by the id's time");
        byte[] rejection = RowKey.ofRejection("s", null, 1795838569L, "line").bytes(7);
        assertTrue(Arrays.compareUnsigned(early, rejection) < 0);
    }

    /** The store writes a batch's rows in this order to fill the primary key's pages in turn. */
    @Test
    void compareTo_ordersKeysAsTheirBytesAsWritten() {
        List<RowKey> keys = new java.util.ArrayList<>();
        for (String id : List.of("1xX9eC-0000L2-1t", "1xX9eD-0000A0-00", "1xX9eB-00ZZZZ-zz", "2abcde-000000-00")) {
            for (int row : new int[] {0, 1, 255, 256, 70_000}) {
                keys.add(RowKey.ofMessage(id, row));
            }
            keys.add(RowKey.ofRejection("s", id, 1795838568L, "rejected after DATA"));
        }
        for (long time : new long[] {1795838567L, 1795838568L, 1795838569L, 1995838569L}) {
            keys.add(RowKey.ofRejection("s", null, time, "rejected RCPT " + time));
        }
        for (int server : new int[] {1, 0x00FF, 0x0100, 0xFFFF}) {
            List<RowKey> sorted = keys.stream().sorted().toList();
            List<byte[]> written = keys.stream().map(k -> k.bytes(server)).sorted(Arrays::compareUnsigned).toList();
            for (int i = 0; i < sorted.size(); i++) {
                assertArrayEquals(written.get(i), sorted.get(i).bytes(server), "server " + server + ", key " + i);
            }
        }
    }

    @Test
    void bytes_holdTheServersId_soTwoServersNeverShareAMessagesKey() {
        String id = "1xX9eC-0000L2-1t";
        // Every pair of ids, not a sample: the ids of one database's servers are all distinct.
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (int server = 1; server <= 0xFFFF; server++) {
            byte[] b = RowKey.ofMessage(id, 3).bytes(server);
            assertEquals(server, (b[11] & 0xFF) << 8 | b[12] & 0xFF);
            assertTrue(keys.add(Arrays.toString(b)), "server " + server);
        }
        byte[] rejection = RowKey.ofRejection("s", id, 1795838568L, "rejected after DATA: spam").bytes(300);
        assertEquals(300, (rejection[11] & 0xFF) << 8 | rejection[12] & 0xFF);
        // Without a message id, the server's name is in the hash: the id changes nothing.
        assertArrayEquals(RowKey.ofRejection("s", null, 1795838568L, "rejected RCPT").bytes(1),
                RowKey.ofRejection("s", null, 1795838568L, "rejected RCPT").bytes(2));
        assertFalse(Arrays.equals(RowKey.ofRejection("s", null, 1795838568L, "rejected RCPT").bytes(1),
                RowKey.ofRejection("t", null, 1795838568L, "rejected RCPT").bytes(1)));
    }

    @Test
    void messageRange_holdsEveryRowOfTheMessage_onEveryServer_andNoOtherMessage() {
        String id = "1xX9eC-0000L2-1t";
        byte[][] range = RowKey.messageRange(id);
        for (int server : new int[] {1, 2, 255, 256, 0xFFFF}) {
            for (int row : new int[] {0, 1, 2, 99, 65_536, RowKey.REJECTION_ROWS - 1, Integer.MAX_VALUE}) {
                assertTrue(inside(RowKey.ofMessage(id, row).bytes(server), range), server + " row " + row);
            }
            assertTrue(inside(RowKey.ofRejection("s", id, 1795838568L, "rejected after DATA: spam").bytes(server),
                    range));
            assertFalse(inside(RowKey.ofRejection("s", null, 1795838568L, "rejected RCPT").bytes(server), range));
        }
        // Neighbours in time, and another message of the same second, fall outside.
        for (String other : List.of("1xX9eC-0000L2-1u", "1xX9eB-0000L2-1t", "1xX9eD-0000L2-1t", "1xX9eC-0000L3-1t")) {
            assertFalse(inside(RowKey.ofMessage(other, 1).bytes(1), range), other);
        }
    }

    @Test
    void ofMessage_rowsAndRejectionsOfOneMessage_neverShareAKey() {
        String id = "1xX9eC-0000L2-1t";
        java.util.Set<RowKey> keys = new java.util.HashSet<>();
        for (int row = 0; row < 2_000; row++) {
            assertTrue(keys.add(RowKey.ofMessage(id, row)));
        }
        assertTrue(keys.add(RowKey.ofRejection("s", id, 1795838568L, "rejected after DATA: one")));
        assertTrue(keys.add(RowKey.ofRejection("s", id, 1795838568L, "rejected after DATA: another")));
    }

    private static boolean inside(byte[] key, byte[][] range) {
        return Arrays.compareUnsigned(range[0], key) <= 0 && Arrays.compareUnsigned(key, range[1]) <= 0;
    }
}
