package dev.waybill.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code waybill whoami}: who the daemon takes the caller for, and which mail it may see. */
final class WhoamiCommand {

    static final String USAGE = """
            Usage: waybill whoami [--as NAME] [--socket PATH] [--config FILE] [--json]

            Asks the daemon who you are (it reads your uid from the kernel) and which accounts'
            mail you may see. Root may ask as a WHM reseller with --as, as the WHM pages do.

            Options:
              --as NAME           act as this WHM user (root only)
            """ + ClientOptions.HELP;

    private WhoamiCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ClientOptions o = ClientOptions.parse("whoami", args, true, err);
        if (o == null) {
            return 2;
        }
        if (o.help) {
            out.print(USAGE);
            return 0;
        }
        ClientOptions.Answer a = o.call("whoami", env, "whoami", null, null, err);
        if (a.result() == null) {
            return a.status();
        }
        JsonObject w = a.result();
        if (o.json) {
            out.println(w);
            return ClientOptions.printed("whoami", out, err);
        }
        JsonElement user = w.get("user");
        String who = "uid " + w.get("uid").getAsInt() + (user == null || user.isJsonNull() ? "" : " (" + user.getAsString() + ")");
        String role = w.get("role").getAsString();
        String principal = w.get("principal").getAsString();
        out.println(who + (role.equals("reseller") ? ", acting as reseller " + principal : ", " + role));
        JsonObject scope = w.getAsJsonObject("scope");
        String sees;
        if (scope.get("all").getAsBoolean()) {
            sees = "every account";
        } else {
            List<String> users = new ArrayList<>();
            scope.getAsJsonArray("users").forEach(u -> users.add(u.getAsString()));
            sees = (users.size() == 1 ? "account " : "accounts ") + String.join(", ", users);
        }
        JsonElement email = scope.get("email");
        if (email != null && !email.isJsonNull()) {
            sees += ", only mail of " + email.getAsString();
        }
        out.println("sees: " + sees);
        return ClientOptions.printed("whoami", out, err);
    }
}
