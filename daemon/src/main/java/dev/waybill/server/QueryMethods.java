package dev.waybill.server;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.query.BadQueryException;
import dev.waybill.query.CsvExport;
import dev.waybill.query.DeliveryQueries;
import dev.waybill.query.ForbiddenException;
import dev.waybill.query.MessageQueries;
import dev.waybill.query.MessageStory;
import dev.waybill.query.QueryJson;
import dev.waybill.query.SearchParams;
import dev.waybill.query.StatsQueries;
import dev.waybill.query.Viewer;
import dev.waybill.trace.AddressTracer;
import dev.waybill.trace.TraceNode;
import dev.waybill.trace.TraceText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The methods that answer from the store and the account files: {@code search}, {@code message},
 * {@code stats}, {@code export} and {@code trace}. Each turns the caller's {@link Scope} into a
 * {@link Viewer}, so that the query layer scopes every statement, and maps the query layer's
 * refusals onto the protocol's error codes.
 */
public final class QueryMethods {

    /** Unix seconds in a day: the default range of {@code stats}. */
    private static final long DAY = 86_400;
    private static final Gson GSON = new Gson();

    private final DeliveryQueries deliveries;
    private final MessageQueries messages;
    private final StatsQueries stats;
    private final AddressTracer tracer;

    /** @param localServer this daemon's {@code server.id}: the server whose accounts ask it */
    public QueryMethods(DataSource dataSource, String localServer, AddressTracer tracer) {
        this.deliveries = new DeliveryQueries(dataSource, localServer);
        this.messages = new MessageQueries(dataSource, deliveries);
        this.stats = new StatsQueries(dataSource, localServer);
        this.tracer = tracer;
    }

    /** Adds the methods to {@code registry}; all of them block on the database or DNS. */
    public MethodRegistry registerAll(MethodRegistry registry) {
        registry.register("search", guarded((req, scope, reply) -> {
            SearchParams p = searchParams(req.params());
            boolean counts = req.params().bool("counts", p.cursor() == null);
            reply.result(QueryJson.page(deliveries.search(viewer(req, scope), p, counts)));
        }));
        registry.register("message", guarded((req, scope, reply) -> {
            req.params().allowOnly("msgid", "server");
            String msgid = req.params().requireString("msgid");
            MessageStory story = messages.story(viewer(req, scope), msgid, req.params().string("server", null));
            if (story == null) {
                throw RequestException.notFound("no message " + msgid + " that you may see");
            }
            reply.result(QueryJson.story(story));
        }));
        registry.register("stats", guarded((req, scope, reply) -> {
            Params params = req.params();
            params.allowOnly("since", "until", "bucket", "server");
            long now = System.currentTimeMillis() / 1000;
            long until = params.longInteger("until", now + 1, 0, Long.MAX_VALUE / 2);
            long since = params.longInteger("since", until - DAY, 0, Long.MAX_VALUE / 2);
            int bucket = params.oneOf("bucket", "hour", "hour", "day").equals("hour") ? 3600 : 86_400;
            reply.result(QueryJson.stats(stats.stats(viewer(req, scope), since, until, bucket,
                    params.string("server", null))));
        }));
        registry.register("export", guarded((req, scope, reply) -> {
            SearchParams p = searchParams(req.params());
            long rows;
            try {
                rows = new CsvExport(deliveries).export(viewer(req, scope), p, text -> {
                    try {
                        reply.chunk(text);
                    } catch (RequestException e) {
                        throw new IOException(e.getMessage(), e);
                    }
                });
            } catch (IOException e) {
                throw e.getCause() instanceof RequestException r ? r : RequestException.unavailable(e.getMessage());
            }
            JsonObject done = new JsonObject();
            done.addProperty("format", "csv");
            done.addProperty("rows", rows);
            reply.result(done);
        }));
        registry.register("trace", guarded((req, scope, reply) -> {
            req.params().allowOnly("address", "sender");
            String address = req.params().requireString("address");
            TraceNode tree = tracer.trace(address, req.params().string("sender", null), scope::sees);
            JsonObject r = new JsonObject();
            r.add("tree", GSON.toJsonTree(tree.toMap()));
            r.addProperty("text", TraceText.render(tree));
            r.addProperty("failing", tree.anyFailing());
            reply.result(r);
        }));
        return registry;
    }

    /** The search parameters of DESIGN.md's protocol, validated. */
    static SearchParams searchParams(Params p) throws RequestException {
        p.allowOnly("types", "recipient", "sender", "domain", "user", "msgid", "text", "since", "until",
                "deliverytype", "match", "order", "limit", "cursor", "server", "counts", "sent");
        long far = 1L << 40;
        SearchParams.Builder b = SearchParams.builder()
                .types(p.enumSet("types", OutcomeType.class, Set.of()))
                .recipient(p.string("recipient", null))
                .sender(p.string("sender", null))
                .domain(p.string("domain", null))
                .user(p.string("user", null))
                .msgid(p.string("msgid", null))
                .text(p.string("text", null))
                .deliveryType(p.enumValue("deliverytype", SearchParams.DeliveryType.class, SearchParams.DeliveryType.ALL))
                .match(p.enumValue("match", SearchParams.Match.class, SearchParams.Match.EXACT))
                .order(p.enumValue("order", SearchParams.Order.class, SearchParams.Order.NEWEST))
                .limit(p.integer("limit", SearchParams.DEFAULT_LIMIT, 1, SearchParams.MAX_LIMIT))
                .cursor(p.string("cursor", null))
                .server(p.string("server", null))
                .sent(p.bool("sent", false));
        if (p.has("since")) {
            b.since(p.longInteger("since", 0, 0, far));
        }
        if (p.has("until")) {
            b.until(p.longInteger("until", 0, 0, far));
        }
        try {
            return b.build();
        } catch (BadQueryException e) {
            throw RequestException.badRequest(e.getMessage());
        }
    }

    /**
     * The query layer's view of a scope. A reseller's scope is read through its reseller owner
     * key (one index range for all its accounts) rather than account by account. Each owner key
     * counts from its account's creation on (the scope's {@link Scope#starts()}).
     */
    static Viewer viewer(Request req, Scope scope) {
        Viewer v;
        if (scope.isAll()) {
            v = Viewer.all();
        } else if (req.caller().role() == Role.RESELLER && req.caller().principal() != null
                && scope.users().contains(req.caller().principal())) {
            v = Viewer.reseller(req.caller().principal(), scope.users());
        } else {
            v = new Viewer(false, scope.users(), scope.users(), null);
        }
        if (!scope.isAll()) {
            v = v.startingAt(scope.starts());
        }
        return scope.email().map(v::narrowToEmail).orElse(v);
    }

    /** A method body that may throw what the query layer throws. */
    @FunctionalInterface
    interface QueryBody {
        void call(Request request, Scope scope, Reply reply) throws RequestException, SQLException;
    }

    private static Method guarded(QueryBody body) {
        return (req, scope, reply) -> {
            try {
                body.call(req, scope, reply);
            } catch (BadQueryException e) {
                throw RequestException.badRequest(e.getMessage());
            } catch (ForbiddenException e) {
                throw RequestException.forbidden(e.getMessage());
            } catch (SQLException e) {
                throw RequestException.unavailable("the database did not answer (" + firstLine(e.getMessage())
                        + "); try again shortly");
            } catch (UncheckedIOException e) {
                throw RequestException.unavailable(firstLine(e.getMessage()));
            }
        };
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
