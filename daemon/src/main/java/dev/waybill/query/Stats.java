package dev.waybill.query;

import dev.waybill.outcome.OutcomeType;
import java.util.List;
import java.util.Map;

/**
 * Counts over a time range, as a viewer may see them.
 *
 * @param since    start (unix seconds, inclusive)
 * @param until    end (exclusive)
 * @param bucket   seconds per bucket of the series (3600 or 86400)
 * @param series   rows per bucket and type, buckets in time order (empty buckets left out)
 * @param accounts per sending account: rows by type and bytes sent, most failures and deferrals first
 * @param domains  the same per sending domain
 */
public record Stats(long since, long until, int bucket, List<Bucket> series, List<Group> accounts,
                    List<Group> domains) {

    public Stats {
        series = List.copyOf(series);
        accounts = List.copyOf(accounts);
        domains = List.copyOf(domains);
    }

    /** One bucket of the series. */
    public record Bucket(long start, Map<OutcomeType, Long> counts) {
        public Bucket {
            counts = Map.copyOf(counts);
        }
    }

    /** One account's or domain's counts. */
    public record Group(String name, Map<OutcomeType, Long> counts, long bytes) {
        public Group {
            counts = Map.copyOf(counts);
        }

        /** Failures, deferrals and rejections together: what an admin looks at first. */
        public long troubles() {
            return counts.getOrDefault(OutcomeType.FAILURE, 0L) + counts.getOrDefault(OutcomeType.DEFER, 0L)
                    + counts.getOrDefault(OutcomeType.REJECTED, 0L);
        }

        public long total() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
