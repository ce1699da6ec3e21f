package dev.waybill.query;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.waybill.diagnosis.Diagnosis;
import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import java.util.Map;

/**
 * The JSON of query results. A row has the field names of {@code waybill parse} (cPanel's Track
 * Delivery names) plus {@code server} and, for a failure or deferral, {@code diagnosis}.
 */
public final class QueryJson {

    private QueryJson() {
    }

    /** A search page: {@code {"rows":[…], "next":…, "counts":{…}}}. */
    public static JsonObject page(SearchPage page) {
        JsonObject o = new JsonObject();
        JsonArray rows = new JsonArray(page.rows().size());
        page.rows().forEach(r -> rows.add(row(r)));
        o.add("rows", rows);
        o.addProperty("next", page.next());
        o.add("counts", page.counts() == null ? JsonNull.INSTANCE : counts(page.counts()));
        if (page.counts() != null) {
            o.addProperty("counts_complete", page.countsComplete());
        }
        return o;
    }

    /** Counts by type, every type present (0 when none), in the report's order. */
    public static JsonObject counts(Map<OutcomeType, Long> counts) {
        JsonObject o = new JsonObject();
        for (OutcomeType t : OutcomeType.values()) {
            o.addProperty(t.label(), counts.getOrDefault(t, 0L));
        }
        return o;
    }

    /** One row. */
    public static JsonObject row(StoredDelivery r) {
        Outcome d = r.outcome();
        JsonObject o = new JsonObject();
        o.addProperty("type", d.type().label());
        o.addProperty("msgid", d.msgid());
        o.addProperty("email", d.email());
        o.addProperty("sender", d.sender());
        o.addProperty("user", d.user());
        o.addProperty("domain", d.domain());
        o.addProperty("size", d.size() < 0 ? null : d.size());
        o.addProperty("senderhost", d.senderhost());
        o.addProperty("senderip", d.senderip());
        o.addProperty("senderauth", d.senderauth());
        o.addProperty("spamscore", d.spamscore());
        o.addProperty("sendunixtime", d.sendunixtime());
        o.addProperty("recipient", d.recipient());
        o.addProperty("deliveredto", d.deliveredto());
        o.addProperty("deliveryuser", d.deliveryuser());
        o.addProperty("deliverydomain", d.deliverydomain());
        o.addProperty("router", d.router());
        o.addProperty("transport", d.transport());
        o.addProperty("host", d.host());
        o.addProperty("ip", d.ip());
        o.addProperty("message", d.message());
        o.addProperty("actionunixtime", d.actionunixtime());
        o.addProperty("transport_is_remote", d.transportIsRemote());
        o.addProperty("subject", d.subject());
        o.addProperty("attempts", d.attempts());
        o.addProperty("reply", d.reply());
        o.addProperty("tls", d.tls());
        o.addProperty("bounce_msgid", d.bounceMsgid());
        o.addProperty("bounce_of", d.bounceOf());
        o.addProperty("server", r.server());
        r.diagnosis().ifPresent(diag -> o.add("diagnosis", diagnosis(diag)));
        return o;
    }

    static JsonObject diagnosis(Diagnosis d) {
        JsonObject o = new JsonObject();
        o.addProperty("code", d.code());
        o.addProperty("cause", d.cause());
        o.addProperty("fix", d.fix());
        o.addProperty("temporary", d.temporary());
        o.addProperty("reply_code", d.replyCode());
        return o;
    }

    /** A message's story: {@code {"msgid":…, "rows":[…], "lines":[…], "hidden_lines":N}}. */
    public static JsonObject story(MessageStory s) {
        JsonObject o = new JsonObject();
        o.addProperty("msgid", s.msgid());
        JsonArray rows = new JsonArray();
        s.rows().forEach(r -> rows.add(row(r)));
        o.add("rows", rows);
        JsonArray lines = new JsonArray();
        s.lines().forEach(lines::add);
        o.add("lines", lines);
        o.addProperty("hidden_lines", s.hiddenLines());
        return o;
    }

    /** Stats: the series and the account and domain tables. */
    public static JsonObject stats(Stats s) {
        JsonObject o = new JsonObject();
        o.addProperty("since", s.since());
        o.addProperty("until", s.until());
        o.addProperty("bucket", s.bucket() == 3600 ? "hour" : "day");
        JsonArray series = new JsonArray();
        for (Stats.Bucket b : s.series()) {
            JsonObject e = counts(b.counts());
            e.addProperty("start", b.start());
            series.add(e);
        }
        o.add("series", series);
        o.add("accounts", groups(s.accounts()));
        o.add("domains", groups(s.domains()));
        return o;
    }

    private static JsonArray groups(java.util.List<Stats.Group> groups) {
        JsonArray a = new JsonArray();
        for (Stats.Group g : groups) {
            JsonObject e = new JsonObject();
            e.addProperty("name", g.name());
            e.add("counts", counts(g.counts()));
            e.addProperty("total", g.total());
            e.addProperty("bytes", g.bytes());
            a.add(e);
        }
        return a;
    }
}
