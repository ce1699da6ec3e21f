package dev.waybill.exim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LogClock} around the changes of daylight saving time, when Exim writes local times
 * without an offset (no {@code log_timezone}). In America/New_York on 2026-11-01 the clocks go
 * back from 02:00 EDT (-04:00) to 01:00 EST (-05:00), so 01:00-01:59 happens twice; on
 * 2026-03-08 they go forward from 02:00 EST to 03:00 EDT, so 02:00-02:59 never happens.
 */
class LogClockTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneOffset EDT = ZoneOffset.ofHours(-4);
    private static final ZoneOffset EST = ZoneOffset.ofHours(-5);

    /** A real-shaped line stamped with {@code stamp}. */
    private static String line(String stamp) {
        return stamp + " 1vGx7a-000Abc-1X => bob@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.7]";
    }

    private static long at(String stamp, ZoneOffset offset) {
        return LocalDateTime.parse(stamp.replace(' ', 'T')).toEpochSecond(offset);
    }

    private static List<Long> read(LogClock clock, List<String> stamps) {
        List<Long> times = new ArrayList<>();
        for (String s : stamps) {
            times.add(clock.read(line(s)));
        }
        return times;
    }

    /** Both passes of the repeated hour, each with lines, then the hour after. */
    private static final List<String> FALL_BACK = List.of(
            "2026-11-01 00:59:58", "2026-11-01 01:10:00", "2026-11-01 01:59:30",
            "2026-11-01 01:00:20", "2026-11-01 01:00:20", "2026-11-01 01:30:00", "2026-11-01 01:59:59",
            "2026-11-01 02:00:05");

    private static final List<Long> FALL_BACK_TIMES = List.of(
            at("2026-11-01 00:59:58", EDT), at("2026-11-01 01:10:00", EDT), at("2026-11-01 01:59:30", EDT),
            at("2026-11-01 01:00:20", EST), at("2026-11-01 01:00:20", EST), at("2026-11-01 01:30:00", EST),
            at("2026-11-01 01:59:59", EST), at("2026-11-01 02:00:05", EST));

    @Test
    void fallBack_secondPassOfTheRepeatedHour_isReadAtTheLaterOffset() {
        assertEquals(FALL_BACK_TIMES, read(new LogClock(NEW_YORK), FALL_BACK));
    }

    @Test
    void fallBack_resumedAtAnyLine_readsAsTheWholeStreamDoes() {
        for (int start = 0; start < FALL_BACK.size(); start++) {
            LogClock clock = new LogClock(NEW_YORK);
            for (String s : FALL_BACK.subList(0, start)) {
                clock.read(line(s));
            }
            assertEquals(FALL_BACK_TIMES.subList(start, FALL_BACK.size()),
                    read(clock, FALL_BACK.subList(start, FALL_BACK.size())), "resumed at line " + start);
        }
    }

    @Test
    void fallBack_aLineAfterTheHourThenOneWrittenLate_isTheSecondPass() {
        List<Long> times = read(new LogClock(NEW_YORK),
                List.of("2026-11-01 01:50:00", "2026-11-01 02:00:01", "2026-11-01 01:59:59"));
        assertEquals(List.of(at("2026-11-01 01:50:00", EDT), at("2026-11-01 02:00:01", EST),
                at("2026-11-01 01:59:59", EST)), times);
    }

    @Test
    void fallBack_lineSecondsOutOfOrderOrAWildStamp_stayInTheFirstPass() {
        List<Long> times = read(new LogClock(NEW_YORK), List.of(
                "2026-11-01 01:10:05", "2026-11-01 01:10:03", "2030-11-01 01:10:04", "2026-11-01 01:10:06"));
        assertEquals(List.of(at("2026-11-01 01:10:05", EDT), at("2026-11-01 01:10:03", EDT),
                at("2030-11-01 01:10:04", EDT), at("2026-11-01 01:10:06", EDT)), times);
    }

    @Test
    void fallBack_streamBeginningInTheSecondPass_staysInOrderUntilTheHourEnds() {
        // Nothing before it shows the first pass: read as the first pass, an hour early, in order.
        List<Long> times = read(new LogClock(NEW_YORK),
                List.of("2026-11-01 01:40:00", "2026-11-01 01:59:00", "2026-11-01 02:00:30"));
        assertEquals(List.of(at("2026-11-01 01:40:00", EDT), at("2026-11-01 01:59:00", EDT),
                at("2026-11-01 02:00:30", EST)), times);
    }

    @Test
    void springForward_aTimeTheClocksSkip_isReadWithTheOffsetBefore() {
        List<Long> times = read(new LogClock(NEW_YORK),
                List.of("2026-03-08 01:59:59", "2026-03-08 02:30:00", "2026-03-08 03:00:01"));
        assertEquals(List.of(at("2026-03-08 01:59:59", EST), at("2026-03-08 02:30:00", EST),
                at("2026-03-08 03:00:01", EDT)), times);
    }

    @Test
    void halfHourChange_timesAroundIt_takeTheOffsetOfTheirOwnMinute() {
        // Lord Howe Island moves by 30 minutes, not on the hour: 02:00 -> 02:30 on 2026-10-04,
        // 02:00 -> 01:30 on 2026-04-05.
        ZoneOffset before = ZoneOffset.ofHoursMinutes(10, 30);
        ZoneOffset after = ZoneOffset.ofHours(11);
        assertEquals(List.of(at("2026-10-04 01:59:00", before), at("2026-10-04 02:45:00", after)),
                read(new LogClock(ZoneId.of("Australia/Lord_Howe")),
                        List.of("2026-10-04 01:59:00", "2026-10-04 02:45:00")));
        assertEquals(List.of(at("2026-04-05 01:20:00", after), at("2026-04-05 01:50:00", after),
                        at("2026-04-05 01:35:00", before), at("2026-04-05 02:10:00", before)),
                read(new LogClock(ZoneId.of("Australia/Lord_Howe")), List.of(
                        "2026-04-05 01:20:00", "2026-04-05 01:50:00", "2026-04-05 01:35:00", "2026-04-05 02:10:00")));
    }

    @Test
    void inRepeatedHour_onlyForLocalTimesThatHappenTwice() {
        LogClock clock = new LogClock(NEW_YORK);
        //assertTrue(clock.inRepeatedHour(line("2026-11-01 01:30:00")));
        //assertFalse(clock.inRepeatedHour(line("2026-11-01 02:30:00")));
        //assertFalse(clock.inRepeatedHour("2026-11-01 01:30:00 -0500 1vGx7a-000Abc-1X Completed"), "an offset says");
        //assertFalse(clock.inRepeatedHour(line("2026-03-08 02:30:00")));
        //x(line("2026-11-01 01:30:00")));
    }
}
