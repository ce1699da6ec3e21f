package dev.waybill.query;

import dev.waybill.outcome.OutcomeType;
import java.util.List;
import java.util.Map;

/**
 * One page of a search.
 *
 * @param rows           the rows, in the order asked for
 * @param next           the cursor of the next page, or null when this is the last
 * @param counts         rows of the whole match by type (every page, not just this one), or null
 *                       when not asked for (later pages: the first page's counts still hold)
 * @param countsComplete false when counting stopped at {@link DeliveryQueries#COUNT_LIMIT} rows
 *                       (a match that large): the counts are then lower bounds
 */
public record SearchPage(List<StoredDelivery> rows, String next, Map<OutcomeType, Long> counts,
                         boolean countsComplete) {

    public SearchPage {
        rows = List.copyOf(rows);
        counts = counts == null ? null : Map.copyOf(counts);
    }

    /** The counts added up: the size of the whole match (at least, when not complete). */
    public long total() {
        return counts == null ? 0 : counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
