package dev.waybill.render;

import dev.waybill.outcome.OutcomeType;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/** The words and small formats the pages share: event names, times, sizes. */
final class Labels {

    private static final DateTimeFormatter UTC_TEXT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** What a person calls each outcome, in the report's order of importance. */
    private static final Map<OutcomeType, String> EVENT = Map.of(
            OutcomeType.SUCCESS, "Delivered",
            OutcomeType.DEFER, "Deferred",
            OutcomeType.INPROGRESS, "In progress",
            OutcomeType.FAILURE, "Failed",
            OutcomeType.REJECTED, "Rejected",
            OutcomeType.FILTERED, "Filtered");

    /** A glyph beside the word (the word is always there: the glyph is aria-hidden). */
    private static final Map<OutcomeType, String> ICON = Map.of(
            OutcomeType.SUCCESS, "\u2713",
            OutcomeType.DEFER, "\u21BB",
            OutcomeType.INPROGRESS, "\u2026",
            OutcomeType.FAILURE, "\u2717",
            OutcomeType.REJECTED, "\u2298",
            OutcomeType.FILTERED, "\u2212");

    private Labels() {
    }

    static String event(OutcomeType t) {
        return EVENT.get(t);
    }

    static String icon(OutcomeType t) {
        return ICON.get(t);
    }

    /** An instant as ISO-8601 UTC, for {@code <time datetime>}. */
    static String iso(long unix) {
        return Instant.ofEpochSecond(unix).toString();
    }

    /** An instant in UTC, shown until the page's script puts it into the browser's zone. */
    static String utcText(long unix) {
        return UTC_TEXT.format(Instant.ofEpochSecond(unix));
    }

    static String size(long bytes) {
        if (bytes < 0) {
            return "";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
    }

    static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** The spam score as cPanel shows it, or empty when the message was not scanned. */
    static String spam(Double score) {
        return score == null ? "" : String.format(Locale.ROOT, "%.1f", score);
    }

    /** The help section a diagnosis points to, or null. */
    static String helpAnchor(String diagnosisCode) {
        if (diagnosisCode == null) {
            return null;
        }
        return switch (diagnosisCode) {
            case "spf" -> "spf";
            case "dkim" -> "dkim";
            case "dmarc", "unauthenticated" -> "dmarc";
            case "spam_content", "blocklisted_ip", "blocklisted_domain", "reverse_dns", "bad_helo" -> "spam";
            case "send_limit", "rate_limited" -> "limits";
            default -> null;
        };
    }
}
