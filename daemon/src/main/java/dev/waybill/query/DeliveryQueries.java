package dev.waybill.query;

import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.store.RowKey;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Searches the stored deliveries. Every statement carries the viewer's scope:
 * <ul>
 *   <li>root reads {@code delivery} directly, by time or by address;</li>
 *   <li>an account or reseller reads its owner entries ({@code delivery_owner}, by owner and
 *       time) and joins the rows they name — one index range per owner key, merged by a UNION
 *       that also drops a row two of its owner keys both reach;</li>
 *   <li>except when the search names one address or message: then the address index is the
 *       narrower path, and each row found must have an owner entry of the viewer's.</li>
 * </ul>
 * An owner key's entries count from its account's creation on ({@link Viewer#since}): a lower
 * bound on the owner index's time, so still one index range per owner key.
 * Pages are keyset-paged on (send time, row key), which every index of {@code delivery} ends
 * in, so any page costs the same however deep it is.
 */
public final class DeliveryQueries {

    static final String COLUMNS = "d.row_key, d.server_id, d.type, d.msgid, d.email, d.sender, d.user, d.domain,"
            + " d.size, d.senderhost, d.senderip, d.senderauth, d.spamscore, d.sendtime, d.recipient, d.deliveredto,"
            + " d.deliveryuser, d.deliverydomain, d.router, d.transport, d.host, d.ip, d.message, d.actiontime,"
            + " d.remote, d.subject, d.attempts, d.reply, d.tls, d.bounce_msgid, d.bounce_of";
    private static final OutcomeType[] TYPES = OutcomeType.values();

    /**
     * Counting stops after this many rows when each must be read from {@code delivery}, and after
     * {@link #COUNT_LIMIT_INDEX} when the owner index answers alone: a page of a match that large
     * answers at once, with its counts as lower bounds (a narrower search counts exactly).
     */
    public static final long COUNT_LIMIT = 10_000;
    public static final long COUNT_LIMIT_INDEX = 100_000;

    private final DataSource dataSource;
    private final Servers servers;

    private final long countLimit;
    private final long countLimitIndex;

    /** @param localServer this daemon's {@code server.id}: the server whose accounts ask it */
    public DeliveryQueries(DataSource dataSource, String localServer) {
        this(dataSource, localServer, COUNT_LIMIT, COUNT_LIMIT_INDEX);
    }

    /** With other counting limits (tests). */
    DeliveryQueries(DataSource dataSource, String localServer, long countLimit, long countLimitIndex) {
        this.dataSource = dataSource;
        this.servers = new Servers(localServer);
        this.countLimit = countLimit;
        this.countLimitIndex = countLimitIndex;
    }

    Servers servers() {
        return servers;
    }

    /**
     * One page of the deliveries {@code viewer} may see that match {@code p}.
     *
     * @param withCounts also count the whole match by type
     * @throws ForbiddenException if {@code p.user()} is outside the viewer's scope
     * @throws BadQueryException  if the cursor does not belong to this search
     */
    public SearchPage search(Viewer viewer, SearchParams p, boolean withCounts) throws SQLException {
        // The mail an account sent is a filter on the rows the viewer sees, which is what the
        // statistics count per account; otherwise the viewer narrows to the account's own entries.
        Viewer v = p.user() == null ? viewer : p.sent() ? viewer.requireCovers(p.user()) : viewer.narrowToAccount(p.user());
        Cursor after = p.cursor() == null ? null : Cursor.decode(p.cursor(), p.filterHash());
        if (p.user() != null && !Sql.ascii(p.user()) || p.msgid() != null && !Sql.ascii(p.msgid())) {
            // no account or message has such a name, and their columns cannot be asked
            return new SearchPage(List.of(), null, withCounts ? new EnumMap<>(OutcomeType.class) : null, true);
        }
        try (Connection c = dataSource.getConnection()) {
            Integer serverId = p.server() == null ? null : servers.id(c, p.server());
            // An account's or reseller's owner entries are those of this daemon's server; root
            // looking at an account may name another server's.
            Integer owned = v.everything() ? null : viewer.everything() && serverId != null ? serverId : servers.local(c);
            if (p.server() != null && serverId == null || !v.everything() && owned == null) {
                return new SearchPage(List.of(), null, withCounts ? new EnumMap<>(OutcomeType.class) : null, true);
            }
            Sql filters = filters(p, v, serverId);
            List<StoredDelivery> rows = new ArrayList<>(Math.min(p.limit() + 1, 1001));
            Sql page = rowsQuery(v, owned, p, filters, after);
            try (PreparedStatement ps = c.prepareStatement(page.text())) {
                page.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(read(c, rs));
                    }
                }
            }
            String next = null;
            if (rows.size() > p.limit()) {
                rows.remove(rows.size() - 1);
                StoredDelivery last = rows.get(rows.size() - 1);
                next = new Cursor(last.outcome().sendunixtime(), last.key(), p.filterHash()).encode();
            }
            if (!withCounts) {
                return new SearchPage(rows, next, null, true);
            }
            return counts(c, v, owned, p, filters).page(rows, next);
        }
    }

    /** Whether {@code p} names one address or message, which its own index finds fastest. */
    private static boolean addressDriven(SearchParams p) {
        return p.msgid() != null || p.match() == SearchParams.Match.EXACT && (p.recipient() != null || p.sender() != null);
    }

    private Sql rowsQuery(Viewer v, Integer owned, SearchParams p, Sql filters, Cursor after) {
        boolean newest = p.order() == SearchParams.Order.NEWEST;
        String dir = newest ? " DESC" : " ASC";
        int fetch = p.limit() + 1;
        if (v.everything() || addressDriven(p)) {
            Sql q = new Sql().add("SELECT " + COLUMNS + " FROM delivery d WHERE 1=1").add(filters)
                    .add(timeRange("d", p)).add(keyset("d", after, newest));
            if (!v.everything()) {
                q.add(ownedBy(v, owned)).add(alsoOwned("d", v, owned));
            }
            return q.add(" ORDER BY d.sendtime" + dir + ", d.row_key" + dir + " LIMIT " + fetch);
        }
        List<String> owners = new ArrayList<>(new TreeSet<>(v.owners()));
        if (owners.size() == 1) {
            return ownerBranch(owned, v, owners.get(0), p, filters, after, newest)
                    .add(" ORDER BY o.sendtime" + dir + ", o.row_key" + dir + " LIMIT " + fetch);
        }
        // Each branch reads its own owner range, newest first, and stops at one page; the UNION
        // drops a row reached through two owner keys; the outer sort merges the branches.
        Sql q = new Sql().add("SELECT * FROM (");
        for (int i = 0; i < owners.size(); i++) {
            q.add(i == 0 ? "(" : " UNION (").add(ownerBranch(owned, v, owners.get(i), p, filters, after, newest))
                    .add(" ORDER BY o.sendtime" + dir + ", o.row_key" + dir + " LIMIT " + fetch + ")");
        }
        return q.add(") u ORDER BY u.sendtime" + dir + ", u.row_key" + dir + " LIMIT " + fetch);
    }

    private static Sql ownerBranch(int server, Viewer v, String owner, SearchParams p, Sql filters, Cursor after,
                                   boolean newest) {
        return new Sql().add("SELECT " + COLUMNS + " FROM delivery_owner o JOIN delivery d"
                        + " ON d.row_key = o.row_key AND d.sendtime = o.sendtime WHERE o.server_id = ? AND o.owner = ?",
                        server, owner).add(from(v.since(owner))).add(alsoOwned("o", v, server))
                .add(types("o", p)).add(filters).add(timeRange("o", p)).add(keyset("o", after, newest));
    }

    /**
     * The viewer's second owner key ({@link Viewer#within}) on the row that {@code alias} names:
     * a point lookup in the owner index, from that key's account's creation on.
     */
    static Sql alsoOwned(String alias, Viewer v, int server) {
        if (v.within() == null) {
            return new Sql();
        }
        return new Sql().add(" AND EXISTS (SELECT 1 FROM delivery_owner w WHERE w.server_id = ? AND w.owner = ?"
                + " AND w.sendtime = " + alias + ".sendtime AND w.row_key = " + alias + ".row_key AND w.sendtime >= ?)",
                server, v.within(), v.since(v.within()));
    }

    /** The owner entries from an account's creation on; nothing when it is not known. */
    private static Sql from(long since) {
        return since > 0 ? new Sql().add(" AND o.sendtime >= ?", since) : new Sql();
    }

    /**
     * The type filter on {@code alias}: on the owner entries ("o") too, so that rows of other
     * types are never joined.
     */
    private static Sql types(String alias, SearchParams p) {
        Sql s = new Sql();
        if (!p.types().isEmpty()) {
            s.add(" AND " + alias + ".type IN (");
            int i = 0;
            for (OutcomeType t : p.types()) {
                s.add(i++ == 0 ? "?" : ", ?", t.ordinal());
            }
            s.add(")");
        }
        return s;
    }

    /** Whether a search filters on more than time and type, which the owner entries alone cannot answer. */
    private static boolean filtersRows(SearchParams p, Viewer v) {
        return p.recipient() != null || p.sender() != null || p.domain() != null || p.msgid() != null || p.sent()
                || p.text() != null || p.deliveryType() != SearchParams.DeliveryType.ALL || p.server() != null
                || v.email() != null;
    }

    /** An owner entry of the viewer's for row {@code d}: a point lookup in the owner index. */
    private static Sql ownedBy(Viewer v, int server) {
        Sql s = new Sql().add(" AND EXISTS (SELECT 1 FROM delivery_owner o WHERE o.server_id = ? AND o.owner IN (",
                server);
        int i = 0;
        boolean bounded = false;
        for (String owner : new TreeSet<>(v.owners())) {
            s.add(i++ == 0 ? "?" : ", ?", owner);
            bounded |= v.since(owner) > 0;
        }
        s.add(") AND o.sendtime = d.sendtime AND o.row_key = d.row_key");
        if (bounded) {
            // Each owner key from its own account's creation on; the lookup stays a point lookup.
            s.add(" AND o.sendtime >= CASE o.owner");
            for (String owner : new TreeSet<>(v.owners())) {
                s.add(" WHEN ? THEN ?", owner, v.since(owner));
            }
            s.add(" ELSE 0 END");
        }
        return s.add(")");
    }

    private static Sql timeRange(String alias, SearchParams p) {
        Sql s = new Sql();
        if (p.since() != null) {
            s.add(" AND " + alias + ".sendtime >= ?", p.since());
        }
        if (p.until() != null) {
            s.add(" AND " + alias + ".sendtime < ?", p.until());
        }
        return s;
    }

    private static Sql keyset(String alias, Cursor after, boolean newest) {
        if (after == null) {
            return new Sql();
        }
        String cmp = newest ? "<" : ">";
        return new Sql().add(" AND (" + alias + ".sendtime " + cmp + " ? OR (" + alias + ".sendtime = ? AND "
                + alias + ".row_key " + cmp + " ?))", after.sendtime(), after.sendtime(), after.rowKey());
    }

    /** The filters on the row itself, the same for every path. */
    private static Sql filters(SearchParams p, Viewer v, Integer serverId) {
        Sql s = types("d", p);
        address(s, "d.recipient", p.recipient(), p.match());
        address(s, "d.email", p.sender(), p.match());
        if (p.sent()) {
            if (p.user() != null) {
                s.add(" AND d.user = ?", p.user());
            }
            if (p.domain() != null) {
                s.add(" AND d.domain = ?", p.domain());
            }
        } else if (p.domain() != null) {
            s.add(" AND (d.domain = ? OR d.deliverydomain = ? OR d.recipient LIKE ?)", p.domain(), p.domain(),
                    "%@" + Sql.likeLiteral(p.domain()));
        }
        if (p.msgid() != null) {
            // A message's rows are one range of the primary key (RowKey), on every server.
            byte[][] range = RowKey.messageRange(p.msgid());
            s.add(" AND d.row_key BETWEEN ? AND ? AND d.msgid = ?", range[0], range[1], p.msgid());
        }
        if (p.text() != null) {
            String like = "%" + Sql.likeLiteral(p.text()) + "%";
            s.add(" AND (d.subject LIKE ? OR d.message LIKE ? OR d.reply LIKE ?)", like, like, like);
        }
        if (p.deliveryType() != SearchParams.DeliveryType.ALL) {
            s.add(" AND d.remote = ?", p.deliveryType() == SearchParams.DeliveryType.REMOTE ? 1 : 0);
        }
        if (serverId != null) {
            s.add(" AND d.server_id = ?", serverId);
        }
        if (v.email() != null) {
            s.add(" AND (d.email = ? OR d.recipient = ?)", v.email(), v.email());
        }
        return s;
    }

    private static void address(Sql s, String column, String value, SearchParams.Match match) {
        if (value == null) {
            return;
        }
        switch (match) {
            case EXACT -> s.add(" AND " + column + " = ?", value);
            case PREFIX -> s.add(" AND " + column + " LIKE ?", Sql.likeLiteral(value) + "%");
            case CONTAINS -> s.add(" AND " + column + " LIKE ?", "%" + Sql.likeLiteral(value) + "%");
        }
    }

    /** Counts by type of a match, and the limit counting stopped at. */
    private record Counted(Map<OutcomeType, Long> counts, long limit) {

        SearchPage page(List<StoredDelivery> rows, String next) {
            return new SearchPage(rows, next, counts, counts.values().stream().mapToLong(Long::longValue).sum() < limit);
        }
    }

    private Counted counts(Connection c, Viewer v, Integer owned, SearchParams p, Sql filters) throws SQLException {
        long limit = countLimit;
        // Each path selects (type, row_key) of the match; the outer query counts at most
        // COUNT_LIMIT of them, so that a match of millions costs a bounded scan.
        Sql inner;
        if (v.everything() || addressDriven(p)) {
            inner = new Sql().add("SELECT d.type, d.row_key FROM delivery d WHERE 1=1").add(filters).add(timeRange("d", p));
            if (!v.everything()) {
                inner.add(ownedBy(v, owned)).add(alsoOwned("d", v, owned));
            }
        } else {
            // Time and type only: the owner entries answer alone, an index range per owner key.
            boolean rowsNeeded = filtersRows(p, v);
            limit = rowsNeeded ? countLimit : countLimitIndex;
            inner = new Sql();
            int i = 0;
            for (String owner : new TreeSet<>(v.owners())) {
                inner.add(i++ == 0 ? "" : " UNION ");
                if (rowsNeeded) {
                    inner.add("SELECT d.type, d.row_key FROM delivery_owner o JOIN delivery d ON d.row_key = o.row_key"
                            + " AND d.sendtime = o.sendtime WHERE o.server_id = ? AND o.owner = ?", owned, owner)
                            .add(from(v.since(owner))).add(alsoOwned("o", v, owned)).add(types("o", p)).add(filters);
                } else {
                    inner.add("SELECT o.type, o.row_key FROM delivery_owner o WHERE o.server_id = ? AND o.owner = ?",
                            owned, owner).add(from(v.since(owner))).add(alsoOwned("o", v, owned)).add(types("o", p));
                }
                inner.add(timeRange("o", p));
            }
        }
        Sql q = new Sql().add("SELECT u.type, COUNT(*) FROM (SELECT * FROM (").add(inner)
                .add(") m LIMIT " + limit + ") u GROUP BY u.type");
        Map<OutcomeType, Long> counts = new EnumMap<>(OutcomeType.class);
        try (PreparedStatement ps = c.prepareStatement(q.text())) {
            q.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int t = rs.getInt(1);
                    if (t >= 0 && t < TYPES.length) {
                        counts.put(TYPES[t], rs.getLong(2));
                    }
                }
            }
        }
        return new Counted(counts, limit);
    }

    /**
     * Every row {@code viewer} may see of message {@code msgid}, in the order they happened.
     * Empty when there are none — whether the message does not exist or is someone else's. A
     * mailing may have more recipients than a search page holds: its rows are read page by page.
     */
    public List<StoredDelivery> messageRows(Viewer viewer, String msgid, String server) throws SQLException {
        SearchParams p = SearchParams.builder().msgid(msgid).server(server).order(SearchParams.Order.OLDEST)
                .limit(SearchParams.MAX_LIMIT).build();
        List<StoredDelivery> rows = new ArrayList<>();
        while (true) {
            SearchPage page = search(viewer, p, false);
            rows.addAll(page.rows());
            if (page.next() == null) {
                break;
            }
            p = p.withCursor(page.next());
        }
        rows.sort(java.util.Comparator.comparingLong((StoredDelivery r) -> r.outcome().actionunixtime())
                .thenComparing(r -> String.valueOf(r.outcome().recipient())));
        return rows;
    }

    /** A row of {@link #COLUMNS}. */
    StoredDelivery read(Connection c, ResultSet rs) throws SQLException {
        int t = rs.getInt(3);
        BigDecimal spam = rs.getBigDecimal(13);
        long size = rs.getLong(9);
        if (rs.wasNull()) {
            size = -1;
        }
        Outcome o = new Outcome(t >= 0 && t < TYPES.length ? TYPES[t] : OutcomeType.INPROGRESS, rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), size, rs.getString(10),
                rs.getString(11), rs.getString(12), spam == null ? null : spam.doubleValue(), rs.getLong(14),
                rs.getString(15), rs.getString(16), rs.getString(17), rs.getString(18), rs.getString(19),
                rs.getString(20), rs.getString(21), rs.getString(22), rs.getString(23), rs.getLong(24),
                rs.getBoolean(25), rs.getString(26), rs.getInt(27), rs.getString(28), rs.getString(29),
                rs.getString(30), rs.getString(31), 0);
        return new StoredDelivery(servers.name(c, rs.getInt(2)), rs.getBytes(1), o);
    }
}
