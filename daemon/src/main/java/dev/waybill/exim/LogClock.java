package dev.waybill.exim;

import java.time.LocalDateTime;
import java.time.ZoneId;

/**
 * Reads the timestamp at the start of a main-log line.
 *
 * <p>Exim writes {@code YYYY-MM-DD HH:MM:SS}, with {@code .mmm} under
 * {@code +millisec} and a {@code +HHMM} zone under {@code log_timezone} (spec, "Log files").
 * Without a zone the time is the server's local time, so this class is given the zone to read it
 * in. Zone rules are consulted once per hour of log, not per line.
 */
public final class LogClock {

    private final ZoneId zone;
    private String cachedHour;
    private long cachedHourEpoch;
    private int end;

    public LogClock(ZoneId zone) {
        this.zone = zone;
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
        int n = line.length();
        if (n < 19 || line.charAt(4) != '-' || line.charAt(7) != '-' || line.charAt(10) != ' '
                || line.charAt(13) != ':' || line.charAt(16) != ':') {
            return ParsedLine.NO_TIME;
        }
        int year = digits(line, 0, 4);
        int month = digits(line, 5, 2);
        int day = digits(line, 8, 2);
        int hour = digits(line, 11, 2);
        int minute = digits(line, 14, 2);
        int second = digits(line, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || month < 1 || month > 12 || day < 1
                || day > 31 || hour > 23 || minute > 59 || second > 60) {
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
            if (zh >= 0 && zm >= 0) {
                int offset = (zh * 3600 + zm * 60) * (line.charAt(pos + 1) == '-' ? -1 : 1);
                end = pos + 6;
                long days = epochDay(year, month, day);
                return days * 86400 + hour * 3600L + minute * 60L + second - offset;
            }
        }
        end = pos;
        if (cachedHour == null || !line.regionMatches(0, cachedHour, 0, 13)) {
            try {
                cachedHourEpoch = LocalDateTime.of(year, month, day, hour, 0).atZone(zone).toEpochSecond();
            } catch (java.time.DateTimeException e) {
                return ParsedLine.NO_TIME; // 2023-02-30 and friends
            }
            cachedHour = line.substring(0, 13);
        }
        return cachedHourEpoch + minute * 60L + second;
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

    /** Days since 1970-01-01 of a proleptic Gregorian date (civil-from-days inverse). */
    static long epochDay(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
