package dev.waybill.outcome;

import java.util.Locale;

/** The fate of one (message, recipient), in cPanel's words. */
public enum OutcomeType {
    /** Delivered ({@code =>}, {@code ->}, {@code >>}). */
    SUCCESS,
    /** Discarded on purpose: {@code :blackhole:}, {@code /dev/null}, {@code **bypassed**}. */
    FILTERED,
    /** Failed for good ({@code **}); a bounce normally follows. */
    FAILURE,
    /** Failed for now ({@code ==}) and not yet delivered or given up. */
    DEFER,
    /** Refused at SMTP time; no message was queued. */
    REJECTED,
    /** Received and not finished. */
    INPROGRESS;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The name used in JSON, e.g. {@code inprogress}. */
    public String label() {
        return label;
    }
}
