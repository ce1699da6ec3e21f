package dev.waybill.exim;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

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
        }
        end = pos;
        return cachedHourEpoch + minute * 60L + second;
    }

    /** Unix time of the start of the line's hour in {@code z}, or NO_TIME for a bad date. */
    private static long hourStart(String line, ZoneId z) {
        int year = digits(line, 0, 4);
        int month = digits(line, 5, 2);
        int day = digits(line, 8, 2);
        int hour = digits(line, 11, 2);
        if ((year | month | day | hour) < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23) {
            return ParsedLine.NO_TIME;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, 0).atZone(z).toEpochSecond();
        } catch (DateTimeException e) {
            return ParsedLine.NO_TIME; // 2023-02-30 and friends
        }
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
