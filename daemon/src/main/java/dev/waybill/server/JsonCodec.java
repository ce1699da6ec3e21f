package dev.waybill.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Request lines to {@link Inbound}s, reply objects to lines. Shared by every connection: it holds
 * no state. Parsing is strict JSON (no comments, no single quotes, nothing after the object);
 * anything that is not a well-formed request becomes an {@link Inbound.Refused} saying why, in
 * its turn, an object that names a member twice included. Blank lines are ignored.
 */
@Sharable
final class JsonCodec extends ChannelDuplexHandler {

    static final JsonCodec INSTANCE = new JsonCodec();

    /** Replies stay on one line: Gson escapes control characters inside strings. */
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private static final TypeAdapter<JsonElement> TREE = GSON.getAdapter(JsonElement.class);
    private static final Set<String> FIELDS = Set.of("id", "method", "params", "as");
    private static final String EXAMPLE = "{\"id\":1,\"method\":\"health\",\"params\":{}}";

    private JsonCodec() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg == LineFramer.TOO_LONG) {
            ctx.fireChannelRead(new Inbound.Refused(JsonNull.INSTANCE, ErrorCode.TOO_LARGE,
                    "request line longer than " + ServerSettings.MAX_LINE_BYTES + " bytes; it was skipped"));
        } else if (msg instanceof ByteBuf line) {
            try {
                Inbound in = decode(line);
                if (in != null) {
                    ctx.fireChannelRead(in);
                }
            } finally {
                line.release();
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof JsonObject reply) {
            String text = escapeLoneSurrogates(GSON.toJson(reply));
            ByteBuf out = ctx.alloc().buffer(ByteBufUtil.utf8MaxBytes(text) + 1);
            ByteBufUtil.writeUtf8(out, text);
            out.writeByte('\n');
            ctx.write(out, promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    /**
     * {@code text} with each UTF-16 surrogate that has no partner written as a JSON {@code u}
     * escape. JSON allows such a string (an escaped {@code d800} alone), Gson writes the lone character as
     * it is, and UTF-8 cannot encode it (it became {@code ?}), so an id was not echoed as sent.
     * Surrogates occur only inside strings, where an escape means the same character.
     */
    static String escapeLoneSurrogates(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (sb != null) {
                    sb.append(c).append(text.charAt(i + 1));
                }
                i++; // a pair: one character beyond the BMP, which UTF-8 encodes
            } else if (Character.isSurrogate(c)) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                sb.append(String.format("\\u%04x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }

    /** The request on one line, a refusal saying what is wrong with it, or null for a blank line. */
    static Inbound decode(ByteBuf line) {
        if (isBlank(line)) {
            return null;
        }
        if (!ByteBufUtil.isText(line, StandardCharsets.UTF_8)) {
            return refuse(JsonNull.INSTANCE, "request line is not UTF-8 text");
        }
        JsonElement tree;
        try {
            JsonReader reader = new JsonReader(new StringReader(line.toString(StandardCharsets.UTF_8)));
            reader.setStrictness(Strictness.STRICT);
            tree = readTree(reader);
            if (!atEnd(reader)) {
                return refuse(JsonNull.INSTANCE, "invalid JSON: more than one value on the line");
            }
        } catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
            return refuse(JsonNull.INSTANCE, "invalid JSON: " + brief(e.getMessage()) + "; a request looks like "
                    + EXAMPLE);
        }
        if (!tree.isJsonObject()) {
            return refuse(JsonNull.INSTANCE, "a request is a JSON object such as " + EXAMPLE);
        }
        return request(tree.getAsJsonObject());
    }

    private static Inbound request(JsonObject o) {
        JsonElement id = o.has("id") ? o.get("id") : JsonNull.INSTANCE;
        if (!id.isJsonNull() && !(id.isJsonPrimitive() && !id.getAsJsonPrimitive().isBoolean())) {
            return refuse(JsonNull.INSTANCE, "'id' must be a string or a number");
        }
        for (String field : o.keySet()) {
            if (!FIELDS.contains(field)) {
                return refuse(id, "unknown field '" + brief(field) + "' (a request has id, method, params and as)");
            }
        }
        JsonElement method = o.get("method");
        if (method == null || method.isJsonNull()) {
            return refuse(id, "'method' is missing; a request looks like " + EXAMPLE);
        }
        if (!method.isJsonPrimitive() || !method.getAsJsonPrimitive().isString()) {
            return refuse(id, "'method' must be a string");
        }
        JsonElement params = o.get("params");
        JsonObject paramsObject;
        if (params == null || params.isJsonNull()) {
            paramsObject = new JsonObject();
        } else if (params.isJsonObject()) {
            paramsObject = params.getAsJsonObject();
        } else {
            return refuse(id, "'params' must be an object");
        }
        JsonElement as = o.get("as");
        if (as != null && !as.isJsonNull() && !(as.isJsonPrimitive() && as.getAsJsonPrimitive().isString())) {
            return refuse(id, "'as' must be a string (a WHM user name)");
        }
        // "email" narrows the scope of any method; the dispatcher applies it, methods never see it
        JsonElement email = paramsObject.remove("email");
        if (email != null && !email.isJsonNull() && !(email.isJsonPrimitive() && email.getAsJsonPrimitive().isString())) {
            return refuse(id, "parameter 'email' must be a string (an address)");
        }
        return new Inbound.Call(id, method.getAsString(), paramsObject,
                as == null || as.isJsonNull() ? null : as.getAsString(),
                email == null || email.isJsonNull() ? null : email.getAsString());
    }

    /**
     * One JSON value, as Gson's tree adapter reads it, except that an object naming a member twice
     * is refused: Gson keeps the last, so {@code "as":"res1","as":"root"} would have meant root
     * without a word. Iterative, so that the depth is bounded by the reader's nesting limit only.
     */
    private static JsonElement readTree(JsonReader reader) throws IOException {
        Deque<JsonElement> open = new ArrayDeque<>();
        while (true) {
            JsonElement parent = open.peek();
            String name = null;
            if (parent != null) {
                if (!reader.hasNext()) {
                    if (parent.isJsonObject()) {
                        reader.endObject();
                    } else {
                        reader.endArray();
                    }
                    open.pop();
                    if (open.isEmpty()) {
                        return parent;
                    }
                    continue;
                }
                if (parent.isJsonObject()) {
                    name = reader.nextName();
                    if (parent.getAsJsonObject().has(name)) {
                        throw new MalformedJsonException("'" + brief(name) + "' appears twice in one object at "
                                + reader.getPath());
                    }
                }
            }
            JsonElement value;
            JsonToken token = reader.peek();
            if (token == JsonToken.BEGIN_OBJECT) {
                reader.beginObject();
                value = new JsonObject();
            } else if (token == JsonToken.BEGIN_ARRAY) {
                reader.beginArray();
                value = new JsonArray();
            } else {
                value = TREE.read(reader); // one scalar, numbers kept as written
            }
            if (parent == null) {
                if (!value.isJsonObject() && !value.isJsonArray()) {
                    return value;
                }
            } else if (parent.isJsonObject()) {
                parent.getAsJsonObject().add(name, value);
            } else {
                parent.getAsJsonArray().add(value);
            }
            if (value.isJsonObject() || value.isJsonArray()) {
                open.push(value);
            }
        }
    }

    private static boolean atEnd(JsonReader reader) {
        try {
            return reader.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException | IllegalStateException e) {
            return false; // strict mode refuses a second value outright
        }
    }

    private static boolean isBlank(ByteBuf line) {
        for (int i = line.readerIndex(); i < line.writerIndex(); i++) {
            byte b = line.getByte(i);
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static Inbound.Refused refuse(JsonElement id, String message) {
        return new Inbound.Refused(id, ErrorCode.BAD_REQUEST, message);
    }

    private static String brief(String s) {
        if (s == null) {
            return "unreadable";
        }
        // Gson's messages end with a link to its troubleshooting page; the client needs the first part
        int see = s.indexOf("\nSee ");
        String first = see > 0 ? s.substring(0, see) : s;
        // "Use JsonReader.setStrictness(...) to accept malformed JSON at line 1 column 2 path $"
        // speaks to a Java programmer; the client needs only the place
        int at = first.indexOf(" at line ");
        if (first.startsWith("Use JsonReader") && at > 0) {
            first = "not strict JSON" + first.substring(at);
        }
        return first.length() <= 120 ? first : first.substring(0, 120) + "...";
    }
}
