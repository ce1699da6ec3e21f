package dev.waybill.query;

import dev.waybill.outcome.OutcomeType;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a search asks for. Every filter is optional; together they must all hold.
 *
 * @param types        outcomes wanted (empty: all)
 * @param recipient    the recipient address, matched by {@code match}
 * @param sender       the envelope sender, matched by {@code match}
 * @param domain       a domain the mail was sent from or to (exact)
 * @param user         a cPanel account whose mail is wanted (must be within the viewer's scope)
 * @param msgid        one message
 * @param text         words in the subject, the result text or the remote reply (contains)
 * @param since        from this unix time (inclusive), or null
 * @param until        up to this unix time (exclusive), or null
 * @param deliveryType all, local or remote deliveries
 * @param match        how {@code recipient} and {@code sender} are compared
 * @param order        newest or oldest first
 * @param limit        rows per page, 1 to {@link #MAX_LIMIT}
 * @param cursor       the {@code next} of the previous page, or null for the first
 * @param server       one server's rows (its {@code server.id}), or null for all
 * @param sent         only the mail {@code user} sent (the rows' {@code user}) and sent from
 *                     {@code domain} (the rows' {@code domain}), what the statistics count per
 *                     account and domain; needs one of the two
 */
public record SearchParams(Set<OutcomeType> types, String recipient, String sender, String domain, String user,
                           String msgid, String text, Long since, Long until, DeliveryType deliveryType,
                           Match match, Order order, int limit, String cursor, String server, boolean sent) {

    public static final int DEFAULT_LIMIT = 250;
    public static final int MAX_LIMIT = 1000;

    /** Local (a mailbox on this server), remote (over SMTP), or both. */
    public enum DeliveryType { ALL, LOCAL, REMOTE }

    /** How addresses are compared. */
    public enum Match { EXACT, PREFIX, CONTAINS }

    /** Page order by send time. */
    public enum Order { NEWEST, OLDEST }

    public SearchParams {
        types = types == null || types.isEmpty() ? EnumSet.noneOf(OutcomeType.class) : EnumSet.copyOf(types);
        recipient = blankToNull(recipient);
        sender = blankToNull(sender);
        domain = blankToNull(domain);
        user = blankToNull(user);
        msgid = blankToNull(msgid);
        text = blankToNull(text);
        cursor = blankToNull(cursor);
        server = blankToNull(server);
        deliveryType = deliveryType == null ? DeliveryType.ALL : deliveryType;
        match = match == null ? Match.EXACT : match;
        order = order == null ? Order.NEWEST : order;
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BadQueryException("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        }
        if (sent && user == null && domain == null) {
            throw new BadQueryException("sent needs an account (user) or a domain whose sent mail is wanted");
        }
        if (since != null && until != null && since >= until) {
            throw new BadQueryException("since must be before until");
        }
        for (String[] v : new String[][] {{"recipient", recipient}, {"sender", sender}, {"domain", domain},
                {"user", user}, {"msgid", msgid}, {"text", text}, {"server", server}}) {
            if (v[1] != null && v[1].length() > 320) {
                throw new BadQueryException(v[0] + " is longer than 320 characters");
            }
        }
    }

    /** Everything, newest first, the default page size. */
    public static SearchParams all() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The same search at another page. */
    public SearchParams withCursor(String next) {
        return new SearchParams(types, recipient, sender, domain, user, msgid, text, since, until, deliveryType,
                match, order, limit, next, server, sent);
    }

    /** The same search for other outcomes (empty: all), from its first page. */
    public SearchParams withTypes(Set<OutcomeType> wanted) {
        return new SearchParams(wanted, recipient, sender, domain, user, msgid, text, since, until, deliveryType,
                match, order, limit, null, server, sent);
    }

    /** The same search with another page size. */
    public SearchParams withLimit(int rows) {
        return new SearchParams(types, recipient, sender, domain, user, msgid, text, since, until, deliveryType,
                match, order, rows, cursor, server, sent);
    }

    /**
     * A fingerprint of the filters (not the page): a cursor carries it, so that a cursor handed
     * to a different search is refused instead of silently skipping rows. Made of values whose
     * hash Java specifies (strings, numbers, enum names), never an enum's own hash, which differs
     * from one run of the daemon to the next: a cursor stays good across a restart.
     */
    int filterHash() {
        int typeBits = 0;
        for (OutcomeType t : types) {
            typeBits |= 1 << t.ordinal();
        }
        int h = Objects.hash(typeBits, lower(recipient), lower(sender), lower(domain), user, msgid, text, since, until,
                deliveryType.name(), match.name(), order.name(), server);
        // mixed in only when set, so that the cursors of every other search keep their fingerprint
        return sent ? 31 * h + 1 : h;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Builds parameters one by one; unset ones keep their defaults. */
    public static final class Builder {
        private Set<OutcomeType> types = EnumSet.noneOf(OutcomeType.class);
        private String recipient;
        private String sender;
        private String domain;
        private String user;
        private String msgid;
        private String text;
        private Long since;
        private Long until;
        private DeliveryType deliveryType = DeliveryType.ALL;
        private Match match = Match.EXACT;
        private Order order = Order.NEWEST;
        private int limit = DEFAULT_LIMIT;
        private String cursor;
        private String server;
        private boolean sent;

        public Builder types(Set<OutcomeType> v) { types = v; return this; }
        public Builder recipient(String v) { recipient = v; return this; }
        public Builder sender(String v) { sender = v; return this; }
        public Builder domain(String v) { domain = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder msgid(String v) { msgid = v; return this; }
        public Builder text(String v) { text = v; return this; }
        public Builder since(Long v) { since = v; return this; }
        public Builder until(Long v) { until = v; return this; }
        public Builder deliveryType(DeliveryType v) { deliveryType = v; return this; }
        public Builder match(Match v) { match = v; return this; }
        public Builder order(Order v) { order = v; return this; }
        public Builder limit(int v) { limit = v; return this; }
        public Builder cursor(String v) { cursor = v; return this; }
        public Builder server(String v) { server = v; return this; }
        public Builder sent(boolean v) { sent = v; return this; }

        public SearchParams build() {
            return new SearchParams(types, recipient, sender, domain, user, msgid, text, since, until, deliveryType,
                    match, order, limit, cursor, server, sent);
        }
    }
}
