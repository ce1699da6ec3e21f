package dev.waybill.query;

import dev.waybill.outcome.OutcomeType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Counts per hour or day, per account and per domain, scoped like every search (each owner key
 * from its account's creation on).
 */
public final class StatsQueries {

    /** Accounts and domains listed at most. */
    public static final int TOP = 50;
    /** The widest range one request may cover. */
    public static final long MAX_RANGE_SECONDS = 400L * 86400;
    private static final OutcomeType[] TYPES = OutcomeType.values();

    private final DataSource dataSource;
    private final Servers servers;

    /** @param localServer this daemon's {@code server.id}: the server whose accounts ask it */
    public StatsQueries(DataSource dataSource, String localServer) {
        this.dataSource = dataSource;
        this.servers = new Servers(localServer);
    }

    /**
     * @param bucket 3600 (by hour) or 86400 (by day)
     * @param server one server's rows only, or null for every server's the viewer may see
     * @throws BadQueryException if the range or bucket is unusable
     */
    public Stats stats(Viewer viewer, long since, long until, int bucket, String server) throws SQLException {
        if (bucket != 3600 && bucket != 86400) {
            throw new BadQueryException("bucket must be hour or day");
        }
        if (until <= since) {
            throw new BadQueryException("since must be before until");
        }
        if (until - since > MAX_RANGE_SECONDS) {
            throw new BadQueryException("a range of at most " + MAX_RANGE_SECONDS / 86400 + " days");
        }
        Map<Long, Map<OutcomeType, Long>> series = new TreeMap<>();
        Map<String, long[]> users = new LinkedHashMap<>();
        Map<String, long[]> domains = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            Integer serverId = server == null ? null : servers.id(c, server);
            // An account's or reseller's owner entries are those of this daemon's server.
            Integer owned = viewer.everything() ? null : servers.local(c);
            if (server != null && serverId == null || !viewer.everything() && owned == null) {
                return new Stats(since, until, bucket, List.of(), List.of(), List.of());
            }
            Sql rowFilters = new Sql();
            if (viewer.email() != null) {
                rowFilters.add(" AND (d.email = ? OR d.recipient = ?)", viewer.email(), viewer.email());
            }
            if (serverId != null) {
                rowFilters.add(" AND d.server_id = ?", serverId);
            }
            // One pass over the scoped rows of the range, grouped finely; the three views are sums of it.
            Sql q;
            String cols = "d.row_key, FLOOR(d.sendtime / " + bucket + ") * " + bucket
                    + " AS b, d.type, d.user, d.domain, COALESCE(d.size, 0) AS size";
            if (viewer.everything()) {
                q = new Sql().add("SELECT u.b, u.type, u.user, u.domain, COUNT(*), SUM(u.size) FROM (SELECT " + cols
                        + " FROM delivery d WHERE d.sendtime >= ? AND d.sendtime < ?", since, until).add(rowFilters);
            } else {
                q = new Sql().add("SELECT u.b, u.type, u.user, u.domain, COUNT(*), SUM(u.size) FROM (");
                int i = 0;
                for (String owner : new TreeSet<>(viewer.owners())) {
                    q.add(i++ == 0 ? "" : " UNION ").add("SELECT " + cols + " FROM delivery_owner o JOIN delivery d"
                            + " ON d.row_key = o.row_key AND d.sendtime = o.sendtime WHERE o.server_id = ?"
                            + " AND o.owner = ? AND o.sendtime >= ? AND o.sendtime < ?", owned, owner,
                            Math.max(since, viewer.since(owner)), until)
                            .add(DeliveryQueries.alsoOwned("o", viewer, owned)).add(rowFilters);
                }
            }
            q.add(") u GROUP BY u.b, u.type, u.user, u.domain");
            read(c, q, series, users, domains);
        }
        List<Stats.Bucket> buckets = new ArrayList<>();
        series.forEach((start, counts) -> buckets.add(new Stats.Bucket(start, counts)));
        return new Stats(since, until, bucket, buckets, top(users), top(domains));
    }

    private static void read(Connection c, Sql q, Map<Long, Map<OutcomeType, Long>> series, Map<String, long[]> users,
                             Map<String, long[]> domains) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(q.text())) {
            q.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int t = rs.getInt(2);
                    if (t < 0 || t >= TYPES.length) {
                        continue;
                    }
                    long n = rs.getLong(5);
                    long bytes = rs.getLong(6);
                    series.computeIfAbsent(rs.getLong(1), k -> new EnumMap<>(OutcomeType.class))
                            .merge(TYPES[t], n, Long::sum);
                    add(users, rs.getString(3), t, n, bytes);
                    add(domains, rs.getString(4), t, n, bytes);
                }
            }
        }
    }

    private static void add(Map<String, long[]> groups, String name, int type, long n, long bytes) {
        long[] g = groups.computeIfAbsent(name == null || name.isEmpty() ? "-unknown-" : name,
                k -> new long[TYPES.length + 1]);
        g[type] += n;
        g[TYPES.length] += bytes;
    }

    private static List<Stats.Group> top(Map<String, long[]> groups) {
        List<Stats.Group> list = new ArrayList<>(groups.size());
        groups.forEach((name, g) -> {
            Map<OutcomeType, Long> counts = new EnumMap<>(OutcomeType.class);
            for (int t = 0; t < TYPES.length; t++) {
                if (g[t] > 0) {
                    counts.put(TYPES[t], g[t]);
                }
            }
            list.add(new Stats.Group(name, counts, g[TYPES.length]));
        });
        list.sort(Comparator.comparingLong(Stats.Group::troubles).reversed()
                .thenComparing(Comparator.comparingLong(Stats.Group::total).reversed())
                .thenComparing(Stats.Group::name));
        return list.size() > TOP ? new ArrayList<>(list.subList(0, TOP)) : list;
    }
}
