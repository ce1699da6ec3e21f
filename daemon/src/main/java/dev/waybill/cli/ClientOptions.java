package dev.waybill.cli;

import com.google.gson.JsonObject;
import dev.waybill.client.ErrorReply;
import dev.waybill.client.SocketClient;
import dev.waybill.config.ConfigException;
import dev.waybill.config.WaybillConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The options every command that talks to the daemon shares: where the socket is
 * ({@code --socket PATH}, else {@code $WAYBILL_SOCKET}, else {@code socket.path} of the
 * configuration), {@code --json}, and {@code --as NAME} where the command allows it.
 */
final class ClientOptions {

    /** How long a command waits for the daemon before giving up. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static final String HELP = """
              --socket PATH   the daemon's socket (default: $WAYBILL_SOCKET, else socket.path of
                              the configuration, else /var/run/waybill/waybill.sock)
              --config FILE   configuration file (default /etc/waybill/waybill.conf)
              --json          one JSON object, for scripts
              -h, --help      show this text
            """;

    String socketFlag;
    Path configFile;
    boolean json;
    String as;
    boolean help;

    /**
     * Parses {@code args}; returns null after printing the problem when they are wrong.
     *
     * @param allowAs whether {@code --as NAME} is an option of this command
     */
    static ClientOptions parse(String command, String[] args, boolean allowAs, PrintStream err) {
        ClientOptions o = new ClientOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> o.help = true;
                case "--json" -> o.json = true;
                case "--socket", "--config", "--as" -> {
                    if (a.equals("--as") && !allowAs) {
                        err.println("waybill " + command + ": unknown argument '" + a + "'");
                        return null;
                    }
                    if (++i >= args.length || args[i].isEmpty()) {
                        err.println("waybill " + command + ": " + a + " needs a value");
                        return null;
                    }
                    switch (a) {
                        case "--socket" -> o.socketFlag = args[i];
                        case "--config" -> o.configFile = Path.of(args[i]);
                        default -> o.as = args[i];
                    }
                }
                default -> {
                    err.println("waybill " + command + ": unknown argument '" + a + "'");
                    return null;
                }
            }
        }
        return o;
    }

    /**
     * The socket to use: the flag, else the environment, else the configuration. An explicit
     * flag beats an inherited environment variable.
     *
     * @throws ConfigException if the configuration has to be read and is wrong
     */
    Path socket(Map<String, String> env) throws ConfigException {
        return resolveSocket(socketFlag, env.get(SocketClient.SOCKET_ENV), configFile);
    }

    static Path resolveSocket(String flag, String env, Path configFile) throws ConfigException {
        if (flag != null) {
            return Path.of(flag);
        }
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        return WaybillConfig.load(configFile).socketPath();
    }

    /** What a call to the daemon gave: its result (or null and the command's exit status), and where. */
    record Answer(JsonObject result, int status, Path socket) {
    }

    /**
     * Calls {@code method} on the daemon for command {@code command}; on failure says why on
     * {@code err} in one line ("waybill COMMAND: ...") and answers exit status 1 (2 for a wrong
     * configuration). Streamed chunks go to {@code chunks} (null: the method does not stream).
     */
    Answer call(String command, Map<String, String> env, String method, JsonObject params, Consumer<String> chunks,
                PrintStream err) {
        Path socket;
        try {
            socket = socket(env);
        } catch (ConfigException e) {
            err.println("waybill " + command + ": " + e.getMessage());
            return new Answer(null, 2, null);
        }
        try (SocketClient c = SocketClient.connect(socket).timeout(TIMEOUT)) {
            return new Answer(chunks == null ? c.call(method, params, as) : c.call(method, params, as, chunks), 0,
                    socket);
        } catch (IOException e) {
            err.println("waybill " + command + ": " + e.getMessage());
        } catch (ErrorReply e) {
            err.println("waybill " + command + ": " + e);
        }
        return new Answer(null, 1, socket);
    }

    /** {@code 3d 04h 05m}, {@code 2h 03m 10s}, {@code 42s}. */
    static String uptime(long seconds) {
        long d = seconds / 86_400;
        long h = seconds / 3600 % 24;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        if (d > 0) {
            return String.format("%dd %02dh %02dm", d, h, m);
        }
        if (h > 0) {
            return String.format("%dh %02dm %02ds", h, m, s);
        }
        return m > 0 ? String.format("%dm %02ds", m, s) : s + "s";
    }
}
