package dev.waybill.exim;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;

/**
 * Reads the timestamp at the start of a main-log line.
 *
 * <p>Exim writes {@code YYYY-MM-DD HH:MM:SS}, with {@code .mmm} under
 * {@code +millisec} and a {@code +HHMM} zone under {@code log_timezone} (spec, "Log files").
 * Without a zone the time is the server's local time, so this class is given the zone to read it
 * in. Zone rules are consulted once per hour of log, not per line, except in an hour the
 * clocks change in.
 *
 * <p>When the clocks go back (daylight saving ends), an hour of local time happens twice, and a
 * time in it alone cannot say which pass it belongs to. The log's order can: Exim writes lines in
 * time order, so a time of that hour is read in its first pass until the log shows that the
 * second has begun — a line of it read in the second pass, or a time that would step back more
 * than {@link #STEP_BACK_SECONDS} (to {@code 01:05} after {@code 01:50}), or a line after the
 * repeated hour. A stream that begins inside the second pass without such a sign reads it as the
 * first pass until the sign comes (at the latest when the hour ends): its times stay in order,
 * an hour early. That is why one clock must read one stream from its beginning: {@link #skip}
 * lets a reader that starts part way through a file show the clock the lines before.
 *
 * <p>A local time the clocks skip when they go forward ({@code 02:30} on the night daylight
 * saving begins) is read with the offset before the change, as {@code java.time} does: a clock
 * that was not put forward yet.
 */
public final class LogClock {

    /**
     * How far back inside a repeated hour a time may step and still be the same pass. Exim stamps
     * a line when it writes it, so lines are in order to within a second or two; a larger step
     * back is the second pass.
     */
    static final long STEP_BACK_SECONDS = 5 * 60;
    /** Lines further than this from the repeated hour say nothing about it (a wild stamp). */
    private static final long NEAR_SECONDS = 6 * 3600;

    private final ZoneId zone;
    private final ZoneRules rules;
    private String cachedHour;
    private long cachedHourEpoch;
    /** Whether the cached hour has a change of offset in it: read line by line, not from the cache. */
    private boolean cachedHourChanges;
    private LocalDateTime cachedHourLocal;
    private int end;
    /** The time of the last line read, or NO_TIME. */
    private long last = ParsedLine.NO_TIME;
    /** The instant the clocks went back whose repeated hour is in its second pass, or NO_TIME. */
    private long secondPassOf = ParsedLine.NO_TIME;

    public LogClock(ZoneId zone) {
        this.zone = zone;
        this.rules = zone.getRules();
    }

    /** Where the timestamp of the last successful {@link #read} ended. */
    public int end() {
        return end;
    }

    /**
     * Reads the timestamp at the start of {@code line}.
     *
     * @return unix seconds, or {@link ParsedLine#NO_TIME} if the line does not start with one
     */
    public long read(String line) {
        long t = readTime(line);
        if (t != ParsedLine.NO_TIME) {
            last = t;
        }
        return t;
    }

    /**
     * Reads a line that comes before where reading starts, only so that this clock knows what
     * the stream said before (which pass of a repeated hour it is in).
     */
    public void skip(String line) {
        read(line);
    }

    /**
     * Whether {@code line} is stamped, without an offset, with a local time that happens twice
     * (the hour when the clocks go back), so that which time it is depends on the lines before.
     */
    public boolean inRepeatedHour(String line) {
        if (line.length() < 19 || line.charAt(4) != '-' || line.charAt(7) != '-' || line.charAt(10) != ' '
                || line.charAt(13) != ':' || line.charAt(16) != ':' || hasOffset(line)) {
            return false;
        }
        LocalDateTime hour = localHour(line);
        int minute = digits(line, 14, 2);
        return hour != null && minute >= 0 && minute <= 59
                && rules.getValidOffsets(hour.plusMinutes(minute)).size() == 2;
    }

    private long readTime(String line) {
        int n = line.length();
        if (n < 19 || line.charAt(4) != '-' || line.charAt(7) != '-' || line.charAt(10) != ' '
                || line.charAt(13) != ':' || line.charAt(16) != ':') {
            return ParsedLine.NO_TIME;
        }
        int minute = digits(line, 14, 2);
        int second = digits(line, 17, 2);
        if (minute < 0 || second < 0 || minute > 59 || second > 60) {
            return ParsedLine.NO_TIME;
        }
        int pos = 19;
        if (pos < n && line.charAt(pos) == '.') {
            pos++;
            while (pos < n && isDigit(line.charAt(pos))) {
                pos++;
            }
        }
        // Optional " +HHMM" / " -HHMM" (log_timezone).
        if (pos + 6 <= n && line.charAt(pos) == ' ' && (line.charAt(pos + 1) == '+' || line.charAt(pos + 1) == '-')
                && (pos + 6 == n || line.charAt(pos + 6) == ' ')) {
            int zh = digits(line, pos + 2, 2);
            int zm = digits(line, pos + 4, 2);
            long hourStart = zh < 0 || zm < 0 ? ParsedLine.NO_TIME : hourStart(line, ZoneOffset.UTC);
            if (hourStart != ParsedLine.NO_TIME) {
                int offset = (zh * 3600 + zm * 60) * (line.charAt(pos + 1) == '-' ? -1 : 1);
                end = pos + 6;
                return hourStart + minute * 60L + second - offset;
            }
        }
        // Lines come in time order, so the hour is nearly always the one before: compare, don't parse.
        if (cachedHour == null || !line.regionMatches(0, cachedHour, 0, 13)) {
            long hourStart = hourStart(line, zone);
            if (hourStart == ParsedLine.NO_TIME) {
                return ParsedLine.NO_TIME;
            }
            cachedHourEpoch = hourStart;
            cachedHour = line.substring(0, 13);
            cachedHourLocal = localHour(line);
            cachedHourChanges = offsetChangesWithin(cachedHourLocal);
        }
        end = pos;
        if (cachedHourChanges) {
            return inChangingHour(cachedHourLocal.plusMinutes(minute), second);
        }
        return cachedHourEpoch + minute * 60L + second;
    }

    /** Whether the offset changes somewhere in the local hour starting at {@code hour}. */
    private boolean offsetChangesWithin(LocalDateTime hour) {
        long from = hour.toEpochSecond(ZoneOffset.UTC) - 18 * 3600; // before the hour, in any offset
        ZoneOffsetTransition t = rules.nextTransition(Instant.ofEpochSecond(from));
        LocalDateTime hourEnd = hour.plusHours(1);
        while (t != null && t.getDateTimeBefore().isBefore(hourEnd.plusHours(18))) {
            LocalDateTime a = t.getDateTimeBefore();
            LocalDateTime b = t.getDateTimeAfter();
            LocalDateTime lo = a.isBefore(b) ? a : b;
            LocalDateTime hi = a.isBefore(b) ? b : a;
            if (lo.isBefore(hourEnd) && hi.isAfter(hour)) {
                return true;
            }
            t = rules.nextTransition(t.getInstant());
        }
        return false;
    }

    /** A time in an hour the offset changes in: {@code minuteStart} local, plus seconds. */
    private long inChangingHour(LocalDateTime minuteStart, int second) {
        long local = minuteStart.toEpochSecond(ZoneOffset.UTC) + second;
        List<ZoneOffset> offsets = rules.getValidOffsets(minuteStart);
        if (offsets.size() == 1) {
            return local - offsets.get(0).getTotalSeconds();
        }
        ZoneOffsetTransition t = rules.getTransition(minuteStart);
        long first = local - t.getOffsetBefore().getTotalSeconds();
        if (offsets.isEmpty()) {
            return first; // skipped by the clocks: read as if they had not been put forward yet
        }
        long second2 = local - t.getOffsetAfter().getTotalSeconds();
        long change = t.getInstant().getEpochSecond();
        if (secondPassOf == change) {
            return second2;
        }
        // The second pass has begun if the first-pass reading would step back too far from the
        // line before, and the second-pass reading would not (a wild stamp says nothing).
        if (last != ParsedLine.NO_TIME && last - first > STEP_BACK_SECONDS && last - second2 <= NEAR_SECONDS) {
            secondPassOf = change;
            return second2;
        }
        return first;
    }

    /** Whether an offset follows the seconds (and milliseconds) of the stamp. */
    private static boolean hasOffset(String line) {
        int n = line.length();
        int pos = 19;
        if (pos < n && line.charAt(pos) == '.') {
            pos++;
            while (pos < n && isDigit(line.charAt(pos))) {
                pos++;
            }
        }
        return pos + 6 <= n && line.charAt(pos) == ' ' && (line.charAt(pos + 1) == '+' || line.charAt(pos + 1) == '-')
                && (pos + 6 == n || line.charAt(pos + 6) == ' ') && digits(line, pos + 2, 4) >= 0;
    }

    /** The local start of the line's hour, or null for a bad date. */
    private static LocalDateTime localHour(String line) {
        int year = digits(line, 0, 4);
        int month = digits(line, 5, 2);
        int day = digits(line, 8, 2);
        int hour = digits(line, 11, 2);
        if ((year | month | day | hour) < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23) {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, 0);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /**
     * Unix time of the start of the line's hour in {@code z} (in the first pass of a repeated
     * hour), or NO_TIME for a bad date.
     */
    private static long hourStart(String line, ZoneId z) {
        LocalDateTime hour = localHour(line);
        return hour == null ? ParsedLine.NO_TIME : hour.atZone(z).toEpochSecond();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Parses {@code len} decimal digits at {@code from}; -1 if any is not a digit. */
    static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
