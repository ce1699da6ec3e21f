package dev.waybill.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

/** The three reply shapes of the protocol: result, error and (streamed) chunk. */
final class Replies {

    private Replies() {
    }

    static JsonObject result(JsonElement id, JsonObject result) {
        JsonObject o = withId(id);
        o.add("result", result);
        return o;
    }

    static JsonObject error(JsonElement id, ErrorCode code, String message) {
        JsonObject error = new JsonObject();
        error.addProperty("code", code.wire());
        error.addProperty("message", message);
        JsonObject o = withId(id);
        o.add("error", error);
        return o;
    }

    static JsonObject chunk(JsonElement id, String text) {
        JsonObject o = withId(id);
        o.addProperty("chunk", text);
        return o;
    }

    private static JsonObject withId(JsonElement id) {
        JsonObject o = new JsonObject();
        o.add("id", id == null ? JsonNull.INSTANCE : id);
        return o;
    }
}
