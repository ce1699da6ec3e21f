package dev.waybill.query;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * One message's story: its rows (scoped like any search) and its raw log lines — exigrep, from an
 * index. A viewer who may see none of the message's rows learns nothing, not even that it exists;
 * one who sees some of them does not see the lines about the others' recipients.
 */
public final class MessageQueries {

    /** An IP address in brackets, as Exim writes a host's: {@code [192.0.2.7]}, {@code [2001:db8::1]}. */
    private static final Pattern REMOTE_HOST = Pattern.compile("\\[[0-9A-Fa-f:.]{3,}\\]");

    /** Exim's message ids: 16 or 23 characters of base-62 and dashes. */
    private static final int MAX_MSGID = 23;

    private final DataSource dataSource;
    private final DeliveryQueries deliveries;

    public MessageQueries(DataSource dataSource, DeliveryQueries deliveries) {
        this.dataSource = dataSource;
        this.deliveries = deliveries;
    }

    /**
     * The story of {@code msgid}, or null when the viewer may see nothing of it.
     *
     * @param server one server's copy of the id, or null for any
     * @throws BadQueryException if {@code msgid} cannot be a message id
     */
    public MessageStory story(Viewer viewer, String msgid, String server) throws SQLException {
        if (msgid == null || msgid.isEmpty() || msgid.length() > MAX_MSGID || !msgid.chars().allMatch(
                ch -> ch == '-' || ch < 128 && Character.isLetterOrDigit(ch))) {
            throw new BadQueryException("msgid must be an Exim message id such as 1vD9xY-000A1b-C2");
        }
        List<StoredDelivery> rows = deliveries.messageRows(viewer, msgid, server);
        if (rows.isEmpty()) {
            return null;
        }
        if (viewer.everything()) {
            return new MessageStory(msgid, rows, lines(msgid, server), 0);
        }
        // An account's rows are this server's: so are the lines and the other rows it is told of,
        // whatever another server sharing the database logged under the same id.
        String local = deliveries.servers().localName();
        List<String> lines = lines(msgid, local);
        List<StoredDelivery> all = deliveries.messageRows(Viewer.all(), msgid, local);
        Set<String> hidden = new LinkedHashSet<>();
        for (StoredDelivery r : all) {
            if (rows.stream().noneMatch(mine -> java.util.Arrays.equals(mine.key(), r.key()))) {
                addAddress(hidden, r.outcome().recipient());
                addAddress(hidden, r.outcome().deliveredto());
            }
        }
        // What the viewer's own rows name: their addresses stay visible even if another row names
        // them too, and a line about a remote host is theirs when it names their host or the sender's.
        Set<String> own = new LinkedHashSet<>();
        for (StoredDelivery r : rows) {
            addAddress(own, r.outcome().recipient());
            addAddress(own, r.outcome().deliveredto());
            addAddress(own, r.outcome().host());
            addAddress(own, r.outcome().ip());
            addAddress(own, r.outcome().senderip());
        }
        hidden.removeAll(own);
        boolean othersHidden = !hidden.isEmpty();
        String arrival = msgid + " <= ";
        List<String> shown = new ArrayList<>(lines.size());
        int dropped = 0;
        for (String line : lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            // Exim logs a remote host's trouble on lines that name no recipient (a refused
            // connection, an error after the data): one that names none of the viewer's own could
            // tell where a recipient it may not see (one Bcc'd) has its mail.
            boolean anotherHost = othersHidden && REMOTE_HOST.matcher(line).find() && !line.contains(arrival)
                    && own.stream().noneMatch(lower::contains);
            if (anotherHost || hidden.stream().anyMatch(lower::contains)) {
                dropped++;
            } else {
                shown.add(line);
            }
        }
        return new MessageStory(msgid, rows, shown, dropped);
    }

    private static void addAddress(Set<String> set, String address) {
        if (address != null && address.length() >= 3) {
            set.add(address.toLowerCase(Locale.ROOT));
        }
    }

    /** The stored lines of {@code msgid}, in log order, each once. */
    private List<String> lines(String msgid, String server) throws SQLException {
        // The id column compares without regard to case, as its collation does, but Exim's ids
        // are case-sensitive: two messages 26 s apart may have ids that differ only in case. The
        // first condition finds the range of the index, the second keeps this message's own.
        Sql q = new Sql().add("SELECT m.first_time, m.log_lines FROM message_log m WHERE m.msgid = ?"
                + " AND BINARY m.msgid = ?", msgid, msgid);
        if (server != null) {
            q.add(" AND m.server_id = (SELECT id FROM server WHERE name = ?)", server);
        }
        // A chunk's id begins with its first line's place in its second: the log's order.
        q.add(" ORDER BY m.first_time, m.chunk_hash");
        List<String> lines = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(q.text())) {
            q.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.addAll(List.of(rs.getString(2).split("\n", -1)));
                }
            }
        }
        // A chunk may run on into later seconds than the next one begins in: a line's own time
        // stamp orders them (a stable sort keeps the chunks' order within a second), and a line
        // read twice (by readings that cut the log into batches elsewhere) shows once.
        lines.sort(Comparator.comparing(MessageQueries::stamp));
        return new ArrayList<>(new LinkedHashSet<>(lines));
    }

    private static String stamp(String line) {
        return line.length() >= 19 ? line.substring(0, 19) : line;
    }
}
