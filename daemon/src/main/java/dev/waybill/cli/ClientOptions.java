package dev.waybill.cli;

import com.google.gson.JsonObject;
import dev.waybill.client.ErrorReply;
import dev.waybill.client.SocketClient;
import dev.waybill.config.ConfigException;
import dev.waybill.config.WaybillConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The options every command that talks to the daemon shares: where the socket is
 * ({@code --socket PATH}, else {@code $WAYBILL_SOCKET}, else {@code socket.path} of the
 * configuration, else the default socket), {@code --json}, and {@code --as NAME} where the command
 * allows it.
 */
final class ClientOptions {

    /** How long a command waits for the daemon before giving up. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** The help of these options, in the column of every command's own (--as and the filters). */
    static final String HELP = """
              --socket PATH       the daemon's socket (default: $WAYBILL_SOCKET, else socket.path
                                  of the configuration, else /var/run/waybill/waybill.sock, also
                                  when the default configuration cannot be read)
              --config FILE       configuration file (default /etc/waybill/waybill.conf)
              --json              one JSON object, for scripts
              -h, --help          show this text
            """;

    /** {@link #HELP} without {@code --json}, for a command that writes something else (export's CSV). */
    static final String HELP_WITHOUT_JSON = HELP.replaceAll("(?m)^ *--json .*\n", "");

    String socketFlag;
    Path configFile;
    boolean json;
    String as;
    boolean help;
    /** The configuration read when {@code --config} is not given. */
    Path defaultConfig = WaybillConfig.DEFAULT_FILE;
    /** The socket when nothing else names one, or when the default configuration cannot be read. */
    Path defaultSocket = WaybillConfig.DEFAULT_SOCKET;

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
     * The socket to use, and why the configuration was passed over (null when it was not).
     *
     * @param unreadConfig the default configuration's "FILE: permission denied" when it could not
     *                     be read and the default socket stands in for its {@code socket.path}
     */
    record Socket(Path path, String unreadConfig) {
    }

    /**
     * The socket to use: the flag, else the environment, else the configuration. An explicit
     * flag beats an inherited environment variable.
     *
     * @throws ConfigException if the configuration has to be read and is wrong
     */
    Socket socket(Map<String, String> env) throws ConfigException {
        return resolveSocket(socketFlag, env.get(SocketClient.SOCKET_ENV), configFile, defaultConfig, defaultSocket);
    }

    /**
     * The socket named by {@code flag}, else {@code env}, else the configuration: {@code configFile}
     * when given (it must be readable and right), else {@code defaultConfig} when it exists, else
     * {@code defaultSocket}. The default configuration is root's alone (mode 0600: it holds the
     * database password), and the users a client command is for, cPanel accounts asking
     * {@code whoami}, may not read it: all they need of it is {@code socket.path}, so then the
     * default socket stands in, as it does for the pages, which never read the file.
     */
    static Socket resolveSocket(String flag, String env, Path configFile, Path defaultConfig, Path defaultSocket)
            throws ConfigException {
        if (flag != null) {
            return new Socket(Path.of(flag), null);
        }
        if (env != null && !env.isEmpty()) {
            return new Socket(Path.of(env), null);
        }
        if (configFile != null) {
            return new Socket(WaybillConfig.read(configFile).socketPath(), null);
        }
        if (!Files.exists(defaultConfig)) {
            return new Socket(defaultSocket, null);
        }
        try {
            return new Socket(WaybillConfig.read(defaultConfig).socketPath(), null);
        } catch (ConfigException e) {
            if (!e.unreadable()) {
                throw e;
            }
            return new Socket(defaultSocket, e.getMessage());
        }
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
        Socket socket;
        try {
            socket = socket(env);
        } catch (ConfigException e) {
            err.println("waybill " + command + ": " + e.getMessage());
            return new Answer(null, 2, null);
        }
        SocketClient client;
        try {
            client = SocketClient.connect(socket.path());
        } catch (IOException e) {
            // Where the daemon's socket.path is not the default, this tells the user why it was not found.
            err.println("waybill " + command + ": " + e.getMessage() + (socket.unreadConfig() == null ? ""
                    : " (could not read the configuration, " + socket.unreadConfig() + ", so tried the default"
                    + " socket; --socket PATH or $" + SocketClient.SOCKET_ENV + " names another)"));
            return new Answer(null, 1, socket.path());
        }
        try (SocketClient c = client) {
            c.timeout(TIMEOUT);
            return new Answer(chunks == null ? c.call(method, params, as) : c.call(method, params, as, chunks), 0,
                    socket.path());
        } catch (IOException e) {
            err.println("waybill " + command + ": " + e.getMessage());
        } catch (ErrorReply e) {
            err.println("waybill " + command + ": " + e);
        } catch (OutputFailed e) {
            // Closing the connection stops the daemon streaming the rest.
            if (!e.readerGone) {
                err.println("waybill " + command + ": " + OutputFailed.MESSAGE);
            }
        }
        return new Answer(null, 1, socket.path());
    }

    /**
     * A chunk consumer that writes to {@code out} and gives up on the call once {@code out} failed
     * ({@link PrintStream} keeps its errors to itself): a full disk under {@code export > file}, a
     * reader gone from the pipe.
     */
    static Consumer<String> printingTo(PrintStream out) {
        return chunk -> {
            out.print(chunk);
            if (out.checkError()) {
                throw new OutputFailed(StandardOutput.readerGone(out));
            }
        };
    }

    /**
     * {@code out} as a stream that throws {@link OutputFailed} at the first write it could not
     * make, for a writer that would otherwise go on producing for nowhere.
     */
    static OutputStream failingOn(PrintStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
                if (out.checkError()) {
                    throw new OutputFailed(StandardOutput.readerGone(out));
                }
            }

            @Override
            public void flush() {
                out.flush();
                if (out.checkError()) {
                    throw new OutputFailed(StandardOutput.readerGone(out));
                }
            }
        };
    }

    /**
     * The exit status of a command that printed its answer to {@code out}: 0, or 1 when the output
     * could not be written, which a script must not take for success; said on {@code err} unless
     * the reader of the pipe left ({@code | head -1}), which is no news to whoever closed it.
     */
    static int printed(String command, PrintStream out, PrintStream err) {
        if (out.checkError()) {
            if (!StandardOutput.readerGone(out)) {
                err.println("waybill " + command + ": " + OutputFailed.MESSAGE);
            }
            return 1;
        }
        return 0;
    }

    /** The output of a streamed answer could not be written. */
    static final class OutputFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final String MESSAGE = "cannot write the output (a full disk?)";
        final boolean readerGone;

        OutputFailed(boolean readerGone) {
            super(MESSAGE, null, false, false);
            this.readerGone = readerGone;
        }
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
