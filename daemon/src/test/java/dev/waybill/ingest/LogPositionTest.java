package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogPositionTest {

    static final String LINE = "2026-11-28 04:02:01 1vAbcD-00000000AbC-0000 <= alice@example.com H=mx [192.0.2.1]";

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void encode_thenParse_givesTheSamePosition() {
        LogPosition p = new LogPosition(2049, 131_077, 8_812_345_678L, 64, 0x9f86d081884c7d65L);
        assertEquals("v1:2049:131077:8812345678:64:9f86d081884c7d65", p.encode());
        assertEquals(p, LogPosition.parse(p.encode()));
        assertEquals(p.encode(), p.toString());
    }

    @Test
    void encode_largeUnsignedNumbersAndNegativeHash_roundTrip() {
        LogPosition p = new LogPosition(-1L, Long.MIN_VALUE, 0, 0, -2L);
        assertEquals("v1:18446744073709551615:9223372036854775808:0:0:fffffffffffffffe", p.encode());
        assertEquals(p, LogPosition.parse(p.encode()));
    }

    @Test
    void parse_rejectsWhatIsNotAPosition() {
        for (String bad : new String[] {"", "v1:1:2:3:4", "v2:1:2:3:4:0000000000000000", "v1:1:2:-3:4:0000000000000000",
                "v1:1:2:3:65:0000000000000000", "v1:1:2:3:4:abc", "v1:x:2:3:4:0000000000000000",
                "v1:1:2:3:4:000000000000000g", "v1:1:2:3:4:0000000000000000:"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogPosition.parse(bad), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void startsLike_aHeadTakenWhileTheFileWasShorter_matchesTheFileGrown() {
        LogHead early = LogHead.of(bytes("2026-11-28 04:02:01 1vAbcD"), 26);
        LogPosition p = new LogPosition(1, 2, 26, early.length(), early.guard());
        assertTrue(p.startsLike(LogHead.of(bytes(LINE), LINE.length())));
        assertFalse(p.startsLike(LogHead.of(bytes(LINE.replace("04:02:01", "04:02:02")), LINE.length())));
        assertFalse(p.startsLike(LogHead.of(bytes("2026-11-28 04:02"), 16)), "shorter than the guard");
    }

    @Test
    void constructor_rejectsNegativeOffsetAndOversizedHead() {
        assertThrows(IllegalArgumentException.class, () -> new LogPosition(1, 2, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new LogPosition(1, 2, 0, 65, 0));
    }
}
