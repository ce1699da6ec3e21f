package dev.waybill.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;

/**
 * One request as a {@link Method} sees it: the method name, its checked {@link Params}, the
 * client's {@code id} (echoed in the reply) and the {@link Caller}. The scope narrowing parameter
 * {@code email} has already been taken out of the params and applied to the {@link Scope}.
 * Immutable.
 */
public final class Request {

    private final JsonElement id;
    private final String method;
    private final Params params;
    private final Caller caller;

    public Request(JsonElement id, String method, Params params, Caller caller) {
        this.id = id == null ? JsonNull.INSTANCE : id;
        this.method = method;
        this.params = params;
        this.caller = caller;
    }

    /** The client's id: a string, a number or JSON null. */
    public JsonElement id() {
        return id;
    }

    public String method() {
        return method;
    }

    public Params params() {
        return params;
    }

    public Caller caller() {
        return caller;
    }

    @Override
    public String toString() {
        return method + " id=" + id + " by " + caller.principal() + " (" + caller.peer() + ")";
    }
}
