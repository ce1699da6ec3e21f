package dev.waybill.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One connection to the daemon. Not thread-safe: one caller at a time (without a
 * {@link #timeout}, one thread may write while another reads).
 *
 * <pre>
 * try (SocketClient c = SocketClient.connect(path)) {
 *     JsonObject health = c.call("health", new JsonObject());
 * }
 * </pre>
 */
public final class SocketClient implements Closeable {

    /** The environment variable naming the socket, as the plugin pages honour it too. */
    public static final String SOCKET_ENV = "WAYBILL_SOCKET";

    /**
     * The longest reply line read, as the plugin pages allow: no answer of the daemon is near it,
     * and whatever else answers at the socket must not fill the memory.
     */
    static final int MAX_LINE_BYTES = 64 * 1024 * 1024;

    private final Path path;
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private long nextId = 1;
    private Selector selector;
    private long timeoutMs;

    private SocketClient(Path path, SocketChannel channel) {
        this.path = path;
        this.channel = channel;
        in.flip();
    }

    /**
     * Connects to the daemon at {@code path}.
     *
     * @throws IOException saying "cannot connect to PATH: is waybill running?" when nothing
     *                     listens there, or why else it failed
     */
    public static SocketClient connect(Path path) throws IOException {
        try {
            return new SocketClient(path, SocketChannel.open(UnixDomainSocketAddress.of(path)));
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e instanceof AccessDeniedException || why.contains("Permission denied")) {
                throw new IOException("cannot connect to " + path + ": permission denied", e);
            }
            if (!Files.exists(path) || why.contains("Connection refused") || why.contains("No such file")) {
                throw new IOException("cannot connect to " + path + ": is waybill running?", e);
            }
            throw new IOException("cannot connect to " + path + ": " + why, e);
        }
    }

    /**
     * Calls {@code method} and returns its result.
     *
     * @throws ErrorReply  if the daemon answered with an error
     * @throws IOException if the connection failed or the reply is not the protocol's
     */
    public JsonObject call(String method, JsonObject params) throws IOException, ErrorReply {
        return call(method, params, null);
    }

    /** Calls {@code method} acting as {@code as} (root only), or as the caller when null. */
    public JsonObject call(String method, JsonObject params, String as) throws IOException, ErrorReply {
        return call(method, params, as, chunk -> {
            throw new IllegalStateException("unexpected streamed reply to " + method);
        });
    }

    /**
     * Calls a method whose reply may be streamed: every chunk goes to {@code chunks}, in order,
     * before the result is returned.
     */
    public JsonObject call(String method, JsonObject params, String as, Consumer<String> chunks)
            throws IOException, ErrorReply {
        long id = nextId++;
        JsonObject request = new JsonObject();
        request.addProperty("id", id);
        request.addProperty("method", method);
        request.add("params", params == null ? new JsonObject() : params);
        if (as != null) {
            request.addProperty("as", as);
        }
        send(request.toString());
        while (true) {
            String text = readLine();
            if (text == null) {
                throw new EOFException("the daemon closed the connection without answering " + method);
            }
            JsonObject reply;
            try {
                JsonElement e = JsonParser.parseString(text);
                if (!e.isJsonObject()) {
                    throw notAReply(text);
                }
                reply = e.getAsJsonObject();
            } catch (JsonParseException e) {
                throw notAReply(text);
            }
            if (reply.has("chunk")) {
                if (!isString(reply.get("chunk"))) {
                    throw notAReply(text);
                }
                chunks.accept(reply.get("chunk").getAsString());
                continue;
            }
            if (reply.has("error")) {
                JsonObject error = reply.get("error").isJsonObject() ? reply.getAsJsonObject("error") : null;
                if (error == null || !isString(error.get("code")) || !isString(error.get("message"))) {
                    throw notAReply(text);
                }
                throw new ErrorReply(error.get("code").getAsString(), error.get("message").getAsString());
            }
            if (reply.has("result") && reply.get("result").isJsonObject()) {
                return reply.getAsJsonObject("result");
            }
            throw notAReply(text);
        }
    }

    private static boolean isString(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /** Something else answers at the socket, or a daemon of another protocol: say what came, briefly. */
    private static IOException notAReply(String text) {
        return new IOException("not a reply from waybill: " + (text.length() <= 200 ? text : text.substring(0, 200) + "..."));
    }

    /**
     * Gives up reading or writing after {@code timeout} without progress
     * ({@link SocketTimeoutException}); zero waits forever, the default.
     */
    public SocketClient timeout(Duration timeout) throws IOException {
        timeoutMs = timeout.toMillis();
        if (timeoutMs > 0 && selector == null) {
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, 0);
        }
        return this;
    }

    /** Sends one raw line (a {@code \n} is added). */
    public void send(String text) throws IOException {
        write(StandardCharsets.UTF_8.encode(text + "\n"));
    }

    /** Sends raw bytes as they are: half lines, several lines, anything. */
    public void sendRaw(byte[] bytes) throws IOException {
        write(ByteBuffer.wrap(bytes));
    }

    private void write(ByteBuffer out) throws IOException {
        while (out.hasRemaining()) {
            if (channel.write(out) == 0 && selector != null) {
                await(SelectionKey.OP_WRITE);
            }
        }
    }

    private void await(int op) throws IOException {
        channel.keyFor(selector).interestOps(op);
        if (selector.select(timeoutMs) == 0) {
            throw new SocketTimeoutException("no answer from the daemon at " + path + " within " + timeoutMs + " ms");
        }
        selector.selectedKeys().clear();
    }

    /** Tells the daemon nothing more will be sent; the replies still come. */
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /**
     * The next line from the daemon without its {@code \n}, or null at end of stream.
     *
     * @throws IOException if the line is longer than {@link #MAX_LINE_BYTES}
     */
    public String readLine() throws IOException {
        line.reset();
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                if (line.size() == MAX_LINE_BYTES) {
                    throw new IOException("a reply line from " + path + " is longer than 64 MiB; not read further");
                }
                line.write(b);
            }
            in.clear();
            int n = channel.read(in);
            in.flip();
            if (n == 0 && selector != null) {
                await(SelectionKey.OP_READ);
                continue;
            }
            if (n < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** The socket this client is connected to. */
    public Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        if (selector != null) {
            selector.close();
        }
        channel.close();
    }
}
