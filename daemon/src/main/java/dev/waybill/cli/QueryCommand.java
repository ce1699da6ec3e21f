package dev.waybill.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The commands that ask the daemon about mail: {@code search}, {@code message}, {@code trace},
 * {@code stats} and {@code export}. Readable tables on a terminal, the daemon's JSON with
 * {@code --json}; what a caller may see is decided by the daemon from who runs the command.
 */
final class QueryCommand {

    static final String SEARCH_USAGE = """
            Usage: waybill search [filters] [options]

            Lists deliveries newest first, 50 a page (the daemon allows up to 1000).

            Filters:
              --type T[,T...]     success, defer, failure, rejected, filtered, inprogress
              --failed            failure and rejected (cPanel's "Blocked & Failed")
              --recipient ADDR    --sender ADDR   --domain DOMAIN   --user CPANELUSER
              --msgid ID          --text WORDS (subject, result or reply)
              --since WHEN        --until WHEN   (unix seconds, 2026-11-28, '2026-11-28 14:00'
                                  in this machine's zone, 2026-11-28T14:00:00Z or +01:00, or
                                  an age such as 2h or 7d; a date alone takes in that day)
              --match exact|prefix|contains    how --recipient and --sender compare (exact)
              --local | --remote  --server NAME
              --sent              only the mail --user or --domain sent (what 'waybill stats'
                                  counts per account and domain)
            Options:
              --oldest            oldest first
              --limit N           rows per page (1-1000, default 50)
              --cursor NEXT       the page after the one that printed NEXT
              --as NAME           (root) see what WHM user NAME sees
            """ + ClientOptions.HELP;

    static final String MESSAGE_USAGE = """
            Usage: waybill message MSGID [--server NAME] [options]

            One message's story: every recipient's outcome with the diagnosis of failures, and
            the message's lines from the main log.

            Options:
              --as NAME           (root) see what WHM user NAME sees
            """ + ClientOptions.HELP;

    static final String TRACE_USAGE = """
            Usage: waybill trace ADDRESS [--sender ADDR] [options]

            The route an email to ADDRESS takes from this server: forwarders, filters, the local
            mailbox, or the remote domain's mail servers (asked from DNS).

            Options:
              --as NAME           (root) see what WHM user NAME sees
            """ + ClientOptions.HELP;

    static final String STATS_USAGE = """
            Usage: waybill stats [--since WHEN] [--until WHEN] [--by-day] [--server NAME] [options]

            Deliveries by hour (or day) and outcome, and the accounts and domains with the most
            failures and deferrals. Default: the last 24 hours, every server's rows the caller
            may see; --server NAME counts one server's (of several sharing the database).

            Options:
              --as NAME           (root) see what WHM user NAME sees
            """ + ClientOptions.HELP;

    static final String EXPORT_USAGE = """
            Usage: waybill export [search filters] [options] > deliveries.csv

            Writes every delivery the search matches as CSV, streamed (any number of rows).
            Takes the filters of 'waybill search', and its --oldest and --cursor.

            Options:
              --as NAME           (root) see what WHM user NAME sees
            """ + ClientOptions.HELP_WITHOUT_JSON;

    /** The filters of {@code search}, which {@code export} takes too. */
    private static final Set<String> FILTERS = Set.of("--type", "--failed", "--recipient", "--sender", "--domain",
            "--user", "--msgid", "--text", "--since", "--until", "--match", "--local", "--remote", "--server", "--sent",
            "--oldest", "--cursor");

    private static final Set<String> CLIENT_OPTIONS = Set.of("--json", "--help", "--socket", "--config", "--as");

    /**
     * Each command's options beyond {@link ClientOptions}'; another's is a usage error here rather
     * than a parameter the daemon refuses.
     */
    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "search", union(FILTERS, Set.of("--limit")),
            "export", FILTERS,
            "message", Set.of("--server"),
            "trace", Set.of("--sender"),
            "stats", Set.of("--since", "--until", "--by-day", "--server"));

    private static final String WHEN_FORMS = "2026-11-28, '2026-11-28 14:00', 2026-11-28T14:00:00Z,"
            + " unix seconds, or an age such as 2h or 7d";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String[] TYPES = {"success", "defer", "failure", "rejected", "filtered", "inprogress"};

    private QueryCommand() {
    }

    static int run(String command, String[] args, PrintStream out, PrintStream err) {
        return run(command, args, System.getenv(), out, err);
    }

    static int run(String command, String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> common = new ArrayList<>();
        List<String> positional = new ArrayList<>();
        JsonObject params = new JsonObject();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--json") && command.equals("export")) {
                    throw new IllegalArgumentException("--json: export writes CSV; 'waybill search --json' gives"
                            + " the rows as JSON");
                }
                if (a.startsWith("--") && !CLIENT_OPTIONS.contains(a) && !OPTIONS.get(command).contains(a)) {
                    throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
                switch (a) {
                    case "--json", "-h", "--help" -> common.add(a);
                    case "--socket", "--config", "--as" -> {
                        common.add(a);
                        if (i + 1 < args.length) {
                            common.add(args[++i]);
                        }
                    }
                    case "--failed" -> params.add("types", array("failure", "rejected"));
                    case "--local" -> params.addProperty("deliverytype", "local");
                    case "--remote" -> params.addProperty("deliverytype", "remote");
                    case "--oldest" -> params.addProperty("order", "oldest");
                    case "--sent" -> params.addProperty("sent", true);
                    case "--by-day" -> params.addProperty("bucket", "day");
                    default -> {
                        if (!a.startsWith("--")) {
                            positional.add(a);
                            continue;
                        }
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(a + " needs a value");
                        }
                        String v = args[++i];
                        switch (a) {
                            case "--type" -> params.add("types", array(v.split(",")));
                            case "--recipient", "--sender", "--domain", "--user", "--msgid", "--text", "--match",
                                    "--cursor", "--server" -> params.addProperty(a.substring(2), v);
                            case "--since", "--until" -> params.addProperty(a.substring(2), when(v, a));
                            case "--limit" -> params.addProperty("limit", integer(v, a));
                            default -> throw new IllegalStateException(a); // OPTIONS and this switch disagree
                        }
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("waybill " + command + ": " + e.getMessage());
            return 2;
        }
        ClientOptions o = ClientOptions.parse(command, common.toArray(String[]::new), true, err);
        if (o == null) {
            return 2;
        }
        if (o.help) {
            out.print(usage(command));
            return 0;
        }
        switch (command) {
            case "search" -> {
                if (!params.has("limit")) {
                    params.addProperty("limit", 50);
                }
            }
            case "message", "trace" -> {
                if (positional.size() != 1) {
                    err.print(usage(command));
                    return 2;
                }
                params.addProperty(command.equals("message") ? "msgid" : "address", positional.get(0));
                positional.clear();
            }
            default -> {
            }
        }
        if (!positional.isEmpty()) {
            err.println("waybill " + command + ": unexpected argument '" + positional.get(0) + "'");
            return 2;
        }
        boolean export = command.equals("export");
        ClientOptions.Answer a = o.call(command, env, command, params, export ? ClientOptions.printingTo(out) : null,
                err);
        if (a.result() == null) {
            return a.status();
        }
        JsonObject r = a.result();
        if (export) {
            if (ClientOptions.printed(command, out, err) != 0) {
                return 1;
            }
            err.println("waybill export: " + r.get("rows").getAsLong() + " rows");
        } else if (o.json) {
            out.println(r);
        } else {
            switch (command) {
                case "search" -> printPage(r, out);
                case "message" -> printStory(r, out);
                case "trace" -> r.get("text").getAsString().lines()
                        .forEach(l -> out.println(TerminalText.printable(l)));
                default -> printStats(r, out);
            }
        }
        return ClientOptions.printed(command, out, err);
    }

    private static String usage(String command) {
        return switch (command) {
            case "search" -> SEARCH_USAGE;
            case "message" -> MESSAGE_USAGE;
            case "trace" -> TRACE_USAGE;
            case "stats" -> STATS_USAGE;
            default -> EXPORT_USAGE;
        };
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private static JsonArray array(String... values) {
        JsonArray a = new JsonArray();
        for (String v : values) {
            a.add(v.strip());
        }
        return a;
    }

    private static int integer(String v, String option) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + v + "' is not a number");
        }
    }

    /**
     * Unix seconds from a date, a date and time (this machine's zone, or the zone or offset it
     * names, as in the export's {@code sent_utc} and the times of {@code waybill status}), unix
     * seconds, or an age.
     */
    static long when(String v, String option) {
        ZoneId zone = ZoneId.systemDefault();
        try {
            if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
                // A date alone is the whole day at either end (until is exclusive), as on the pages.
                LocalDate day = LocalDate.parse(v);
                return (option.equals("--until") ? day.plusDays(1) : day).atStartOfDay(zone).toEpochSecond();
            }
            if (v.matches("\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2})?")) {
                String t = v.replace('T', ' ');
                return LocalDateTime.parse(t.length() == 16 ? t + ":00" : t, TIME).atZone(zone).toEpochSecond();
            }
            if (v.matches("\\d{4}-.*")) {
                return OffsetDateTime.parse(v.replace(' ', 'T')).toEpochSecond();
            }
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + ": '" + v + "' is not a date (" + WHEN_FORMS + ")");
        }
        if (v.matches("\\d{9,}")) {
            return Long.parseLong(v);
        }
        try {
            return Instant.now().getEpochSecond() - Durations.parseSeconds(v, option);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": '" + v + "' is not a time (" + WHEN_FORMS + ")");
        }
    }

    private static String time(long unix) {
        return TIME.format(LocalDateTime.ofInstant(Instant.ofEpochSecond(unix), ZoneId.systemDefault()));
    }

    /** The text of {@code key}, {@link TerminalText#printable printable}: what the daemon sends may be a sender's. */
    private static String s(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? "" : TerminalText.printable(e.getAsString());
    }

    private static void printPage(JsonObject r, PrintStream out) {
        JsonArray rows = r.getAsJsonArray("rows");
        // Widths in terminal columns (TerminalText), which a format's %-28s does not count.
        String format = "%-19s  %-10s  %s  %s  %s  %s%n";
        out.printf(format, "SENT", "EVENT", TerminalText.column("FROM", 28), TerminalText.column("TO", 28),
                TerminalText.column("RESULT", 40), "MSGID");
        for (JsonElement e : rows) {
            JsonObject row = e.getAsJsonObject();
            out.printf(format, time(row.get("sendunixtime").getAsLong()), s(row, "type"),
                    TerminalText.column(s(row, "email"), 28), TerminalText.column(s(row, "recipient"), 28),
                    TerminalText.column(s(row, "message"), 40), s(row, "msgid"));
        }
        if (rows.isEmpty()) {
            out.println("(nothing matches)");
        }
        JsonElement counts = r.get("counts");
        if (counts != null && counts.isJsonObject()) {
            StringBuilder sb = new StringBuilder("matches:");
            for (String t : TYPES) {
                long n = counts.getAsJsonObject().get(t).getAsLong();
                if (n > 0) {
                    sb.append(' ').append(t).append(' ').append(n);
                }
            }
            if (r.has("counts_complete") && !r.get("counts_complete").getAsBoolean()) {
                sb.append(" (at least: a large match; narrow it to count exactly)");
            }
            out.println(sb);
        }
        if (!s(r, "next").isEmpty()) {
            out.println("more: add --cursor " + s(r, "next"));
        }
    }

    private static void printStory(JsonObject r, PrintStream out) {
        out.println("message " + s(r, "msgid"));
        for (JsonElement e : r.getAsJsonArray("rows")) {
            JsonObject row = e.getAsJsonObject();
            out.println();
            out.println("  " + s(row, "type").toUpperCase(Locale.ROOT) + "  " + TerminalText.cell(s(row, "email"), 80)
                    + " -> " + TerminalText.cell(s(row, "recipient"), 80));
            out.println("    sent " + time(row.get("sendunixtime").getAsLong()) + ", last action "
                    + time(row.get("actionunixtime").getAsLong()) + ", attempts " + s(row, "attempts"));
            if (!s(row, "subject").isEmpty()) {
                out.println("    subject: " + TerminalText.cell(s(row, "subject"), 200));
            }
            out.println("    result:  " + TerminalText.cell(s(row, "message"), 300));
            if (!s(row, "host").isEmpty()) {
                out.println("    host:    " + s(row, "host") + " [" + s(row, "ip") + "]");
            }
            out.println("    route:   " + s(row, "router") + " / " + s(row, "transport"));
            if (row.has("diagnosis")) {
                JsonObject d = row.getAsJsonObject("diagnosis");
                out.println("    cause:   " + s(d, "cause"));
                out.println("    fix:     " + s(d, "fix"));
            }
        }
        out.println();
        out.println("log lines:");
        for (JsonElement l : r.getAsJsonArray("lines")) {
            out.println("  " + TerminalText.cell(l.getAsString(), 8192));
        }
        int hidden = r.get("hidden_lines").getAsInt();
        if (hidden > 0) {
            out.println("  (" + hidden + " lines about recipients in other accounts are not shown)");
        }
    }

    private static void printStats(JsonObject r, PrintStream out) {
        String format = "%-19s %9s %9s %9s %9s %9s %10s%n";
        out.printf(format, "FROM", "success", "defer", "failure", "rejected", "filtered", "inprogress");
        for (JsonElement e : r.getAsJsonArray("series")) {
            JsonObject b = e.getAsJsonObject();
            out.printf(format, time(b.get("start").getAsLong()), s(b, "success"), s(b, "defer"), s(b, "failure"),
                    s(b, "rejected"), s(b, "filtered"), s(b, "inprogress"));
        }
        out.println();
        out.println("accounts with the most failures and deferrals, in the mail each sent"
                + " ('waybill search --user NAME --sent' lists it):");
        String f2 = "  %s %9s %9s %9s %9s%n";
        out.printf(f2, TerminalText.column("ACCOUNT", 24), "total", "failure", "defer", "rejected");
        for (JsonElement e : r.getAsJsonArray("accounts")) {
            JsonObject g = e.getAsJsonObject();
            JsonObject c = g.getAsJsonObject("counts");
            out.printf(f2, TerminalText.column(s(g, "name"), 24), s(g, "total"), s(c, "failure"), s(c, "defer"),
                    s(c, "rejected"));
        }
    }
}
