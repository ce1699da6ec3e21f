package dev.waybill.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** What the {@link JsonCodec} hands the {@link Dispatcher} for each request line. */
sealed interface Inbound {

    /** The client's id, echoed in the reply (JSON null when unknown). */
    JsonElement id();

    /** A well-formed request; its method and scope are not checked yet. */
    record Call(JsonElement id, String method, JsonObject params, String as, String email) implements Inbound {
    }

    /** A line that gets an error reply in its turn, without reaching any method. */
    record Refused(JsonElement id, ErrorCode code, String message) implements Inbound {
    }
}
