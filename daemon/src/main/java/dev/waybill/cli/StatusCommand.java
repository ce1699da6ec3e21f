package dev.waybill.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.util.Map;

/**
 * {@code waybill status}: is the daemon running, since when, how ingestion goes and how retention
 * goes ({@code health}).
 */
final class StatusCommand {

    static final String USAGE = """
            Usage: waybill status [--socket PATH] [--config FILE] [--json]

            Asks the running daemon how it is: version, process, uptime, connections, and the
            state of log ingestion (and how far it is behind the log) and of retention.
            Exits 0 when it answers, 1 when it does not.

            Options:
            """ + ClientOptions.HELP;

    private StatusCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ClientOptions o = ClientOptions.parse("status", args, false, err);
        if (o == null) {
            return 2;
        }
        if (o.help) {
            out.print(USAGE);
            return 0;
        }
        ClientOptions.Answer a = o.call("status", env, "health", null, null, err);
        if (a.result() == null) {
            return a.status();
        }
        JsonObject h = a.result();
        if (o.json) {
            out.println(h);
            return ClientOptions.printed("status", out, err);
        }
        out.println("waybill " + text(h, "version") + " is running (pid " + text(h, "pid") + "), up "
                + ClientOptions.uptime(h.has("uptime_seconds") ? h.get("uptime_seconds").getAsLong() : 0));
        out.println("socket:  " + a.socket() + " (" + text(h, "connections") + " connections, limit "
                + text(h, "max_connections") + ")");
        if (h.has("admin_url")) {
            out.println("admin:   " + text(h, "admin_url") + " (loopback only; ?token= from the token file)");
        }
        section(out, h, "ingest");
        section(out, h, "retention");
        return ClientOptions.printed("status", out, err);
    }

    /** One section of the answer ({@code ingest}, {@code retention}), a field a line, if it has any. */
    private static void section(PrintStream out, JsonObject h, String name) {
        JsonElement section = h.get(name);
        if (section == null || !section.isJsonObject() || section.getAsJsonObject().isEmpty()) {
            return;
        }
        out.println(name + ":");
        for (Map.Entry<String, JsonElement> e : section.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            out.println("  " + e.getKey() + ": " + (v.isJsonPrimitive() ? v.getAsString() : v.toString()));
        }
    }

    private static String text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? "?" : e.getAsString();
    }
}
