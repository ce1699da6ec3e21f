package dev.waybill.render;

import dev.waybill.diagnosis.Diagnosis;
import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.query.BadQueryException;
import dev.waybill.query.CsvExport;
import dev.waybill.query.DeliveryQueries;
import dev.waybill.query.ForbiddenException;
import dev.waybill.query.MessageQueries;
import dev.waybill.query.MessageStory;
import dev.waybill.query.SearchPage;
import dev.waybill.query.SearchParams;
import dev.waybill.query.Stats;
import dev.waybill.query.StatsQueries;
import dev.waybill.query.StoredDelivery;
import dev.waybill.query.Viewer;
import dev.waybill.trace.AddressTracer;
import dev.waybill.trace.TraceNode;
import java.io.IOException;
import java.io.StringWriter;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The pages' views, from a query string to HTML: the delivery report, a message's story, an
 * address's route, the stats with their chart, the deliverability help, and the error page.
 * What a view may show is the caller's {@link Viewer}; the query string only narrows it.
 */
public final class Pages {

    /** Starts a downloaded CSV file, so that spreadsheets read it as UTF-8. */
    static final String BYTE_ORDER_MARK = "\uFEFF";

    /** Which page asks: the cPanel user's, the WHM administrator's, or the admin page without cPanel. */
    public enum Side { CPANEL, WHM, ADMIN }

    /**
     * One page request.
     *
     * @param viewer     what the caller may see (from the socket's identity)
     * @param sees       the cPanel accounts whose local routes a trace may show
     * @param side       which page asks
     * @param base       the page's own URL path, starting with the security token
     * @param query      the page's query string
     * @param standalone a whole document (no cPanel chrome around it)
     * @param who        how the page names whose mail it shows
     */
    public record Request(Viewer viewer, Predicate<String> sees, Side side, String base, PageQuery query,
                          boolean standalone, String who) {
    }

    /**
     * A view as HTML, with the HTTP status a page answers it with: 200 for a view shown, else
     * what its error view means (400 a query that cannot run, 403 another's mail, 404 no such
     * page or message, 503 the database away), so that scripts, monitoring and browsers do not
     * take an error for the page.
     */
    public record Rendered(int status, String html) {
    }

    static final int OK = 200;
    static final int BAD_REQUEST = 400;
    static final int FORBIDDEN = 403;
    static final int NOT_FOUND = 404;
    static final int UNAVAILABLE = 503;

    /** Rows per report page the user may choose; the first is the default. */
    static final List<Integer> PAGE_SIZES = List.of(100, 50, 250, 500, 1000);
    static final Set<OutcomeType> PROBLEMS = EnumSet.of(OutcomeType.FAILURE, OutcomeType.REJECTED);
    /** The report's columns in order: key, heading, shown unless the user hides it. */
    static final List<String[]> COLUMNS = List.of(
            new String[] {"event", "Event"}, new String[] {"from", "From Address"}, new String[] {"sender", "Sender"},
            new String[] {"time", "Sent Time"}, new String[] {"subject", "Subject"}, new String[] {"spam", "Spam Score"},
            new String[] {"recipient", "Recipient"}, new String[] {"result", "Result"},
            new String[] {"host", "Delivery Host / IP"}, new String[] {"auth", "Authentication"},
            new String[] {"route", "Router / Transport"});
    /** The report's own parameters, carried from page to page. */
    static final List<String> REPORT_KEYS = List.of("q", "match", "sender", "show", "type", "from", "to", "tzo",
            "tzo_to", "since", "until", "account", "domain", "sent", "dir", "limit");

    private static final Pattern BASE = Pattern.compile("/[A-Za-z0-9/._-]{0,300}");
    private static final Pattern LOG_HEAD = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d{3})?)(?: [+-]\\d{4})?(?: \\[\\d+\\])?"
                    + "(?: [0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4})? (.*)$");
    /** Exim's "rejected after DATA", "rejected RCPT <...>": the word on its own, not inside an address or domain. */
    private static final Pattern REJECTION = Pattern.compile("(?:^|\\s)rejected\\s");

    private final DeliveryQueries deliveries;
    private final MessageQueries messages;
    private final StatsQueries stats;
    private final AddressTracer tracer;
    private final Templates templates;
    private final String serverName;
    private final int retentionDays;

    public Pages(DeliveryQueries deliveries, MessageQueries messages, StatsQueries stats, AddressTracer tracer,
            Templates templates, String serverName, int retentionDays) {
        this.deliveries = deliveries;
        this.messages = messages;
        this.stats = stats;
        this.tracer = tracer;
        this.templates = templates;
        this.serverName = serverName;
        this.retentionDays = retentionDays;
    }

    /** The pages over the store at {@code dataSource}. */
    public static Pages forStore(DataSource dataSource, AddressTracer tracer, Templates templates, String serverName,
            int retentionDays) {
        DeliveryQueries deliveries = new DeliveryQueries(dataSource, serverName);
        return new Pages(deliveries, new MessageQueries(dataSource, deliveries), new StatsQueries(dataSource, serverName),
                tracer, templates, serverName, retentionDays);
    }

    /** Whether {@code base} is a plain path that is safe to build links on. */
    public static boolean isSafeBase(String base) {
        return base != null && BASE.matcher(base).matches() && !base.startsWith("//") && !base.contains("..");
    }

    /** The view the query string names ({@code view=}), the report by default. */
    public static String viewOf(PageQuery q) {
        String v = q.get("view");
        return v == null ? "report" : v;
    }

    /**
     * The view {@code r} names. A query the store refuses (a stale cursor, an account that is not
     * the caller's) becomes the error view with what to do, and its status; the database being
     * away is left to the caller ({@link SQLException}).
     */
    public Rendered render(Request r) throws SQLException {
        String view = viewOf(r.query());
        Map<String, Object> m = common(r);
        String template = view;
        int status = OK;
        try {
            switch (view) {
                case "report" -> report(r, m);
                case "message" -> message(r, m);
                case "trace" -> trace(r, m);
                case "stats" -> stats(r, m);
                case "help" -> m.put("title", "Deliverability");
                default -> {
                    template = "error";
                    status = NOT_FOUND;
                    error(m, "No such page", "There is no page '" + view + "'.", "Open the delivery report.");
                }
            }
        } catch (BadQueryException | ForbiddenException e) {
            template = "error";
            status = e instanceof ForbiddenException ? FORBIDDEN : BAD_REQUEST;
            error(m, "Cannot show that", e.getMessage(), "Start again from the delivery report.");
        } catch (PageError e) {
            template = "error";
            status = e.status;
            error(m, e.title, e.getMessage(), e.todo);
        }
        nav(r, m, view);
        StringWriter out = new StringWriter(16_384);
        templates.render(template, m, out);
        return new Rendered(status, out.toString());
    }

    /**
     * The view {@code r} names, or, when the database does not answer, the error view saying so
     * (503): what every page shows.
     */
    public Rendered renderOrUnavailable(Request r) {
        try {
            return render(r);
        } catch (SQLException e) {
            return renderError(r, UNAVAILABLE, "Mail history unavailable",
                    "The database behind Waybill is not answering.",
                    "Try again in a minute. If this goes on, ask the server's administrator to run 'waybill status'.");
        }
    }

    /**
     * The report's search ({@code r}'s filters, every page of it) as CSV, written to {@code sink}
     * a piece at a time: the {@code export} view. The file starts with UTF-8's byte order mark,
     * without which Excel reads a CSV in the system's legacy code page and garbles every
     * non-ASCII subject and name.
     *
     * <p>A search that cannot run throws what the report would show as its error:
     * {@link BadQueryException}, {@link ForbiddenException} or {@link PageError}.
     *
     * @return rows written
     */
    public long exportCsv(Request r, CsvExport.Sink sink) throws SQLException, IOException {
        SearchParams search = searchParams(r, true);
        boolean[] marked = {false};
        // the mark goes with the export's first piece: nothing is sent while the first page may still fail
        return new CsvExport(deliveries).export(r.viewer(), search, text -> {
            sink.write(marked[0] ? text : BYTE_ORDER_MARK + text);
            marked[0] = true;
        });
    }

    /** The error view on its own with its {@code status}, for failures outside a view (the database away). */
    public Rendered renderError(Request r, int status, String title, String message, String todo) {
        Map<String, Object> m = common(r);
        error(m, title, message, todo);
        nav(r, m, "error");
        StringWriter out = new StringWriter(4096);
        templates.render("error", m, out);
        return new Rendered(status, out.toString());
    }

    /** The search a report (or its CSV export) runs: the query string's filters, no paging. */
    public SearchParams searchParams(Request r, boolean forExport) {
        PageQuery q = r.query();
        SearchParams.Builder b = SearchParams.builder().types(types(q));
        String text = q.get("q");
        SearchParams.Match match = matchOf(q, text, q.get("sender"));
        if (text != null) {
            b.recipient(text);
        }
        b.match(match);
        String sender = q.get("sender");
        if (sender != null) {
            b.sender(sender);
        }
        // A domain only narrows what the caller may see, on either page; another account is WHM's.
        String domain = q.get("domain");
        String account = r.side() != Side.CPANEL ? q.get("account") : null;
        b.domain(domain).user(account);
        // The mail the account or domain sent, as the statistics count it; nothing to keep to without either.
        b.sent(q.get("sent") != null && (account != null || domain != null));
        String dir = q.get("dir");
        if ("local".equals(dir)) {
            b.deliveryType(SearchParams.DeliveryType.LOCAL);
        } else if ("remote".equals(dir)) {
            b.deliveryType(SearchParams.DeliveryType.REMOTE);
        }
        Long since = instant(q, "since", "from");
        Long until = instant(q, "until", "to");
        if (since != null) {
            b.since(since);
        }
        if (until != null) {
            b.until(until);
        }
        if (!forExport) {
            b.limit(limit(q)).cursor(q.get("cursor"));
        }
        try {
            return b.build();
        } catch (BadQueryException e) {
            throw new PageError(BAD_REQUEST, "Cannot run that search", e.getMessage(),
                    "Change the search and run it again.");
        }
    }

    // ---- views -------------------------------------------------------------------------------

    private void report(Request r, Map<String, Object> m) throws SQLException {
        PageQuery q = r.query();
        SearchParams p = searchParams(r, false);
        boolean first = p.cursor() == null;
        Set<OutcomeType> types = types(q);
        boolean all = types.size() == OutcomeType.values().length;
        SearchPage page = deliveries.search(r.viewer(), p, first && all);
        // Each toggle tells how many rows of its type the search has, checked or not: with some
        // types left out, the first page counts every type by the same search without its type filter.
        SearchPage counted = first && !all
                ? deliveries.search(r.viewer(), p.withTypes(EnumSet.allOf(OutcomeType.class)).withLimit(1), true)
                : page;
        m.put("title", "Delivery report");
        m.put("report", true);
        m.put("showAll", all);
        m.put("showProblems", types.equals(PROBLEMS));
        m.put("q", q.get("q"));
        m.put("sender", q.get("sender"));
        m.put("account", q.get("account"));
        m.put("domain", q.get("domain"));
        m.put("sent", q.get("sent") != null);
        m.put("from", q.get("from"));
        m.put("to", q.get("to"));
        // A range given in unix seconds (a statistics link) goes into the date fields in the
        // browser's zone, so that running the report again from the form keeps it.
        m.put("fillFrom", q.get("from") == null ? p.since() : null);
        m.put("fillTo", q.get("to") == null ? p.until() : null);
        m.put("matchOptions", options(List.of("auto", "exact", "prefix", "contains"),
                List.of("Best guess", "Exact address", "Starts with", "Contains"), q.get("match")));
        m.put("dirOptions", options(List.of("all", "local", "remote"), List.of("All", "Local", "Remote"), q.get("dir")));
        m.put("limitOptions", options(PAGE_SIZES.stream().map(String::valueOf).toList(),
                PAGE_SIZES.stream().map(n -> n + " rows").toList(), String.valueOf(limit(q))));
        List<Map<String, Object>> toggles = new ArrayList<>();
        for (OutcomeType t : OutcomeType.values()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("type", t.label());
            tm.put("label", Labels.event(t));
            tm.put("icon", Labels.icon(t));
            tm.put("checked", types.contains(t));
            if (counted.counts() != null) {
                tm.put("count", Labels.number(counted.counts().getOrDefault(t, 0L))
                        + (counted.countsComplete() ? "" : "+"));
            }
            toggles.add(tm);
        }
        m.put("toggles", toggles);
        List<Map<String, Object>> cols = new ArrayList<>();
        for (String[] c : COLUMNS) {
            cols.add(Map.of("key", c[0], "label", c[1]));
        }
        m.put("columns", cols);
        List<Map<String, Object>> rows = new ArrayList<>(page.rows().size());
        for (StoredDelivery d : page.rows()) {
            rows.add(row(r, d));
        }
        m.put("rows", rows);
        m.put("hasRows", !rows.isEmpty());
        int pageNo = pageNumber(q);
        int limit = p.limit();
        if (counted.counts() != null) {
            long total = counted.counts().values().stream().mapToLong(Long::longValue).sum();
            long matching = 0;
            for (OutcomeType t : types) {
                matching += counted.counts().getOrDefault(t, 0L);
            }
            m.put("total", Labels.number(matching) + (counted.countsComplete() ? "" : "+"));
            m.put("grandTotal", total);
        }
        if (!rows.isEmpty()) {
            long from = (long) (pageNo - 1) * limit + 1;
            m.put("range", Labels.number(from) + "\u2013" + Labels.number(from + rows.size() - 1));
        }
        m.put("page", pageNo);
        Object[] keep = keep(q);
        if (page.next() != null) {
            m.put("nextHref", link(r, keep, "cursor", page.next(), "page", pageNo + 1));
        }
        if (!first) {
            m.put("firstHref", link(r, keep));
        }
        m.put("exportHref", link(r, keep, "view", "export"));
        m.put("showAllHref", link(r, keepWithout(q, "show", "type"), "show", "all"));
        m.put("showProblemsHref", link(r, keepWithout(q, "show", "type"), "show", "problems"));
        boolean filtered = q.get("q") != null || q.get("sender") != null || q.get("account") != null
                || q.get("domain") != null || q.get("from") != null || q.get("to") != null || q.get("since") != null
                || q.get("until") != null || !all || (q.get("dir") != null && !"all".equals(q.get("dir")));
        if (rows.isEmpty()) {
            if (first && !filtered) {
                m.put("emptyNoMail", true);
            } else {
                m.put("emptyNoMatch", true);
                m.put("resetHref", r.base());
            }
        }
        m.put("retentionDays", retentionDays);
    }

    private Map<String, Object> row(Request r, StoredDelivery d) {
        Outcome o = d.outcome();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", o.type().label());
        m.put("event", Labels.event(o.type()));
        m.put("icon", Labels.icon(o.type()));
        m.put("email", o.email());
        m.put("sender", o.sender());
        m.put("user", o.user());
        m.put("showUser", o.user() != null && !o.user().equals(o.sender()));
        m.put("iso", Labels.iso(o.sendunixtime()));
        m.put("t", o.sendunixtime());
        m.put("time", Labels.utcText(o.sendunixtime()));
        m.put("spam", Labels.spam(o.spamscore()));
        m.put("spamHigh", o.spamscore() != null && o.spamscore() >= 5);
        m.put("recipient", o.recipient());
        m.put("subject", o.subject());
        m.put("result", o.message() != null ? o.message() : o.reply());
        m.put("host", o.host());
        m.put("ip", o.ip());
        m.put("auth", o.senderauth());
        m.put("router", o.router());
        m.put("transport", o.transport());
        d.diagnosis().ifPresent(diag -> m.put("cause", diag.cause()));
        if (o.msgid() != null) {
            // a rejection at SMTP time never became a message: nothing more to show
            m.put("href", PageQuery.link(r.base(), "view", "message", "msgid", o.msgid(), "server", d.server()));
        }
        return m;
    }

    private void message(Request r, Map<String, Object> m) throws SQLException {
        String msgid = r.query().get("msgid");
        if (msgid == null) {
            throw new PageError(BAD_REQUEST, "Which message?", "No message was named.",
                    "Click a row of the delivery report.");
        }
        MessageStory story = messages.story(r.viewer(), msgid, r.query().get("server"));
        if (story == null || story.rows().isEmpty()) {
            throw new PageError(NOT_FOUND, "Message not found", "There is no message " + msgid + " that you may see.",
                    "It may be older than " + retentionDays + " days, or belong to another account.");
        }
        Outcome head = story.rows().get(0).outcome();
        m.put("title", "Message " + msgid);
        m.put("msgid", msgid);
        m.put("subject", head.subject());
        m.put("email", head.email());
        m.put("sender", head.sender());
        m.put("user", head.user());
        m.put("size", Labels.size(head.size()));
        m.put("senderhost", head.senderhost());
        m.put("senderip", head.senderip());
        m.put("auth", head.senderauth());
        m.put("spam", Labels.spam(head.spamscore()));
        m.put("spamHigh", head.spamscore() != null && head.spamscore() >= 5);
        m.put("iso", Labels.iso(head.sendunixtime()));
        m.put("t", head.sendunixtime());
        m.put("time", Labels.utcText(head.sendunixtime()));
        List<Map<String, Object>> recipients = new ArrayList<>();
        for (StoredDelivery d : story.rows()) {
            Outcome o = d.outcome();
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("type", o.type().label());
            x.put("event", Labels.event(o.type()));
            x.put("icon", Labels.icon(o.type()));
            x.put("recipient", o.recipient());
            x.put("deliveredto", o.deliveredto() != null && !o.deliveredto().equals(o.recipient()) ? o.deliveredto() : null);
            x.put("router", o.router());
            x.put("transport", o.transport());
            x.put("host", o.host());
            x.put("ip", o.ip());
            x.put("tls", o.tls());
            x.put("attempts", o.attempts());
            x.put("result", o.message());
            x.put("reply", o.reply() != null && !o.reply().equals(o.message()) ? o.reply() : null);
            x.put("iso", Labels.iso(o.actionunixtime()));
            x.put("t", o.actionunixtime());
            x.put("time", Labels.utcText(o.actionunixtime()));
            x.put("traceHref", PageQuery.link(r.base(), "view", "trace", "address", o.recipient()));
            if (d.diagnosis().isPresent()) {
                Diagnosis g = d.diagnosis().get();
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("cause", g.cause());
                dm.put("fix", g.fix());
                dm.put("temporary", g.temporary());
                // "temporary" says the problem passes; only a message not given up is still retried
                dm.put("failed", o.type() == OutcomeType.FAILURE);
                dm.put("code", g.code());
                String anchor = Labels.helpAnchor(g.code());
                if (anchor != null) {
                    dm.put("helpHref", PageQuery.link(r.base(), "view", "help") + "#" + anchor);
                }
                x.put("diagnosis", dm);
            }
            recipients.add(x);
        }
        m.put("recipients", recipients);
        List<Map<String, Object>> timeline = new ArrayList<>();
        for (String line : story.lines()) {
            Map<String, Object> step = timelineStep(line);
            if (step != null) {
                timeline.add(step);
            }
        }
        m.put("timeline", timeline);
        m.put("rawLines", String.join("\n", story.lines()));
        m.put("hiddenLines", story.hiddenLines() > 0 ? story.hiddenLines() : null);
        m.put("backHref", r.base());
    }

    /** One line of the log as a step of the message's story, or null for context lines. */
    static Map<String, Object> timelineStep(String line) {
        Matcher mt = LOG_HEAD.matcher(line);
        if (!mt.matches()) {
            return null;
        }
        String rest = mt.group(2);
        int sp = rest.indexOf(' ');
        String marker = sp < 0 ? rest : rest.substring(0, sp);
        String text = sp < 0 ? "" : rest.substring(sp + 1);
        String[] kind = switch (marker) {
            case "<=" -> new String[] {"arrival", "Received"};
            case "=>", "->", ">>" -> new String[] {"success", "Delivered"};
            case "*>" -> new String[] {"filtered", "Not delivered (suppressed)"};
            case "**" -> new String[] {"failure", "Failed"};
            case "==" -> new String[] {"defer", "Deferred"};
            case "Completed" -> new String[] {"done", "Completed"};
            case "Frozen", "frozen" -> new String[] {"defer", "Frozen"};
            default -> REJECTION.matcher(rest).find() ? new String[] {"rejected", "Rejected"} : null;
        };
        if (kind == null) {
            return null;
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("time", mt.group(1));
        s.put("kind", kind[0]);
        s.put("label", kind[1]);
        s.put("text", kind[0].equals("rejected") ? rest : text);
        return s;
    }

    private void trace(Request r, Map<String, Object> m) {
        String address = r.query().get("address");
        m.put("title", "Email address trace");
        m.put("address", address);
        if (address == null) {
            return;
        }
        TraceNode tree = tracer.trace(address, null, r.sees());
        m.put("traced", true);
        m.put("steps", TraceDiagram.steps(tree, serverName));
        m.put("failing", tree.anyFailing());
        m.put("reportHref", PageQuery.link(r.base(), "q", address, "match", "exact"));
    }

    private void stats(Request r, Map<String, Object> m) throws SQLException {
        String range = r.query().get("range");
        if (range == null || !List.of("24h", "7d", "30d").contains(range)) {
            range = "24h";
        }
        long now = System.currentTimeMillis() / 1000;
        int bucket = range.equals("30d") ? 86_400 : 3600;
        long span = switch (range) {
            case "7d" -> 7 * 86_400L;
            case "30d" -> 30 * 86_400L;
            default -> 86_400L;
        };
        long until = (now / bucket + 1) * bucket;
        long since = until - span;
        Stats s = stats.stats(r.viewer(), since, until, bucket, null);
        m.put("title", "Statistics");
        m.put("chart", StatsChart.model(s));
        m.put("ranges", List.of(rangeLink(r, "24h", "Last 24 hours", range), rangeLink(r, "7d", "Last 7 days", range),
                rangeLink(r, "30d", "Last 30 days", range)));
        m.put("bucketWord", bucket == 3600 ? "hour" : "day (UTC)");
        long[] totals = new long[OutcomeType.values().length];
        for (Stats.Bucket b : s.series()) {
            b.counts().forEach((t, c) -> totals[t.ordinal()] += c);
        }
        List<Map<String, Object>> sums = new ArrayList<>();
        for (OutcomeType t : StatsChart.STACK) {
            sums.add(Map.of("type", t.label(), "label", Labels.event(t), "icon", Labels.icon(t),
                    "count", Labels.number(totals[t.ordinal()])));
        }
        m.put("totals", sums);
        m.put("accounts", groups(r, s.accounts(), "account", since, until));
        m.put("domains", groups(r, s.domains(), "domain", since, until));
        m.put("showAccounts", r.side() != Side.CPANEL);
    }

    private List<Map<String, Object>> groups(Request r, List<Stats.Group> groups, String key, long since, long until) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Stats.Group g : groups) {
            if (out.size() == 10) {
                break;
            }
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", g.name());
            x.put("failures", Labels.number(g.counts().getOrDefault(OutcomeType.FAILURE, 0L)
                    + g.counts().getOrDefault(OutcomeType.REJECTED, 0L)));
            x.put("defers", Labels.number(g.counts().getOrDefault(OutcomeType.DEFER, 0L)));
            x.put("total", Labels.number(g.total()));
            x.put("size", Labels.size(g.bytes()));
            // A link only where the report can show the rows: "-remote-" and "-unknown-" name no
            // account or domain, and a reseller may not open another reseller's account.
            boolean account = key.equals("account");
            boolean reportable = !g.name().startsWith("-") && (account ? r.side() != Side.CPANEL
                    && r.viewer().covers(g.name()) : true);
            if (reportable) {
                x.put("href", PageQuery.link(r.base(), account ? "account" : "domain",
                        g.name(), "sent", "1", "show", "problems", "since", since, "until", until));
            }
            out.add(x);
        }
        return out;
    }

    private static Map<String, Object> rangeLink(Request r, String range, String label, String current) {
        return Map.of("href", PageQuery.link(r.base(), "view", "stats", "range", range), "label", label,
                "current", range.equals(current));
    }

    // ---- shared parts ------------------------------------------------------------------------

    private Map<String, Object> common(Request r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("standalone", r.standalone());
        m.put("cpanel", r.side() == Side.CPANEL);
        m.put("whm", r.side() != Side.CPANEL);
        m.put("base", r.base());
        m.put("who", r.who());
        m.put("server", serverName);
        m.put("helpHref", PageQuery.link(r.base(), "view", "help"));
        m.put("reportHref", r.base());
        m.put("traceFormAction", r.base());
        if (r.side() == Side.CPANEL) {
            // cPanel's own Email Deliverability page sits beside ours in the theme.
            String token = r.base().startsWith("/cpsess") ? r.base().substring(0, r.base().indexOf('/', 1) + 1) : "/";
            m.put("cpanelDeliverabilityHref", token + "frontend/jupiter/email_deliverability/index.html");
        }
        return m;
    }

    private static void nav(Request r, Map<String, Object> m, String view) {
        List<Map<String, Object>> nav = new ArrayList<>();
        nav.add(navItem("Delivery report", r.base(), view.equals("report") || view.equals("message")));
        nav.add(navItem("Address trace", PageQuery.link(r.base(), "view", "trace"), view.equals("trace")));
        nav.add(navItem("Statistics", PageQuery.link(r.base(), "view", "stats"), view.equals("stats")));
        nav.add(navItem("Deliverability", PageQuery.link(r.base(), "view", "help"), view.equals("help")));
        m.put("nav", nav);
    }

    private static Map<String, Object> navItem(String label, String href, boolean current) {
        return Map.of("label", label, "href", href, "current", current);
    }

    private static void error(Map<String, Object> m, String title, String message, String todo) {
        m.put("title", title);
        m.put("message", message);
        m.put("todo", todo);
    }

    private static List<Map<String, Object>> options(List<String> values, List<String> labels, String current) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            out.add(Map.of("value", values.get(i), "label", labels.get(i),
                    "selected", values.get(i).equals(current) || current == null && i == 0));
        }
        return out;
    }

    static Set<OutcomeType> types(PageQuery q) {
        if ("problems".equals(q.get("show"))) {
            return PROBLEMS;
        }
        if ("all".equals(q.get("show"))) {
            return EnumSet.allOf(OutcomeType.class);
        }
        EnumSet<OutcomeType> set = EnumSet.noneOf(OutcomeType.class);
        for (String t : q.all("type")) {
            for (OutcomeType o : OutcomeType.values()) {
                if (o.label().equals(t)) {
                    set.add(o);
                }
            }
        }
        return set.isEmpty() ? EnumSet.allOf(OutcomeType.class) : set;
    }

    /**
     * How the search box and the sender field match: as chosen, else exactly when each one given
     * is a whole address (the fast, indexed path), and as a part when either is not: the one
     * choice holds for both, and a part compared exactly finds nothing.
     */
    static SearchParams.Match matchOf(PageQuery q, String... texts) {
        String m = q.get("match");
        if (m != null && !m.equals("auto")) {
            for (SearchParams.Match x : SearchParams.Match.values()) {
                if (x.name().toLowerCase(Locale.ROOT).equals(m)) {
                    return x;
                }
            }
        }
        boolean any = false;
        for (String text : texts) {
            if (text == null) {
                continue;
            }
            if (text.indexOf('@') <= 0 || text.indexOf('.', text.indexOf('@')) < 0) {
                return SearchParams.Match.CONTAINS;
            }
            any = true;
        }
        return any ? SearchParams.Match.EXACT : SearchParams.Match.CONTAINS;
    }

    /**
     * A time bound: unix seconds in {@code unixKey}, else the browser's local date-time in
     * {@code localKey} ({@code 2026-11-28T10:00} or a date) with its offset {@code tzo}
     * (minutes behind UTC, as JavaScript's {@code getTimezoneOffset} says; UTC without it).
     */
    static Long instant(PageQuery q, String unixKey, String localKey) {
        String unix = q.get(unixKey);
        if (unix != null && unix.matches("\\d{1,12}")) {
            return Long.parseLong(unix);
        }
        String local = q.get(localKey);
        if (local == null) {
            return null;
        }
        long offset = 0;
        // The range's end has an offset of its own when a clock change falls inside the range.
        String tzo = localKey.equals("to") && validOffset(q.get("tzo_to")) ? q.get("tzo_to") : q.get("tzo");
        if (validOffset(tzo)) {
            offset = Math.max(-1440, Math.min(1440, Long.parseLong(tzo))) * 60;
        }
        try {
            LocalDateTime t = local.length() == 10 ? LocalDateTime.parse(local + "T00:00")
                    .plusDays(localKey.equals("to") ? 1 : 0) : LocalDateTime.parse(local);
            return t.toEpochSecond(ZoneOffset.UTC) + offset;
        } catch (DateTimeParseException e) {
            throw new PageError(BAD_REQUEST, "Cannot read that date", "'" + local + "' is not a date and time.",
                    "Pick the dates with the date fields.");
        }
    }

    private static boolean validOffset(String tzo) {
        return tzo != null && tzo.matches("-?\\d{1,4}");
    }

    static int limit(PageQuery q) {
        String l = q.get("limit");
        if (l != null && l.matches("\\d{1,4}") && PAGE_SIZES.contains(Integer.parseInt(l))) {
            return Integer.parseInt(l);
        }
        return PAGE_SIZES.get(0);
    }

    private static int pageNumber(PageQuery q) {
        String p = q.get("page");
        return p != null && p.matches("\\d{1,7}") ? Math.max(1, Integer.parseInt(p)) : 1;
    }

    private static Object[] keep(PageQuery q) {
        return keepWithout(q);
    }

    private static Object[] keepWithout(PageQuery q, String... drop) {
        List<Object> pairs = new ArrayList<>();
        for (String k : REPORT_KEYS) {
            if (List.of(drop).contains(k)) {
                continue;
            }
            List<String> v = q.all(k);
            if (!v.isEmpty()) {
                pairs.add(k);
                pairs.add(v.size() == 1 ? v.get(0) : v);
            }
        }
        return pairs.toArray();
    }

    private static String link(Request r, Object[] keep, Object... more) {
        Object[] all = new Object[keep.length + more.length];
        System.arraycopy(keep, 0, all, 0, keep.length);
        System.arraycopy(more, 0, all, keep.length, more.length);
        return PageQuery.link(r.base(), all);
    }

    /** A view that cannot be shown, with what to do instead and the status it is answered with. */
    public static final class PageError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String title;
        final String todo;

        PageError(int status, String title, String message, String todo) {
            super(message);
            this.status = status;
            this.title = title;
            this.todo = todo;
        }

        /** The HTTP status of the view that shows this error: 400, or 404 for something that is not there. */
        public int status() {
            return status;
        }
    }
}
