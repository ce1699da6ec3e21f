package dev.waybill.trace;

import java.util.Locale;

/** How mail taking one step would fare. The JSON name is the constant in lower case. */
public enum TraceStatus {
    /** The step works as far as can be told without sending. */
    OK,
    /** Mail taking this step would bounce (or the trace cannot be made). */
    FAILING,
    /** Mail taking this step would wait in the queue and be retried (DNS trouble, {@code :defer:}). */
    DEFERRED,
    /** Unknown from here: a route in another account, or one decided at delivery time. */
    UNKNOWN;

    /** The name used in JSON and in the CLI. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
