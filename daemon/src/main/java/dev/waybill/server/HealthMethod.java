package dev.waybill.server;

import com.google.gson.JsonObject;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code health}: the daemon's version, process, uptime and connections, and the state of log
 * ingestion as its supplier tells it. Answers anyone the server answers at all; reveals no mail.
 */
final class HealthMethod implements Method {

    private final SocketServer server;
    private final Supplier<Map<String, Object>> ingestState;

    HealthMethod(SocketServer server, Supplier<Map<String, Object>> ingestState) {
        this.server = server;
        this.ingestState = ingestState;
    }

    @Override
    public void call(Request request, Scope scope, Reply reply) throws RequestException {
        request.params().allowOnly();
        JsonObject r = new JsonObject();
        r.addProperty("version", SocketServer.version());
        r.addProperty("pid", ProcessHandle.current().pid());
        long started = server.startedAt().getEpochSecond();
        r.addProperty("started", started);
        r.addProperty("uptime_seconds", Math.max(0, System.currentTimeMillis() / 1000 - started));
        r.addProperty("connections", server.connections());
        r.addProperty("max_connections", server.maxConnections());
        JsonObject ingest;
        try {
            Map<String, Object> state = ingestState.get();
            ingest = state == null ? new JsonObject() : JsonCodec.GSON.toJsonTree(state).getAsJsonObject();
        } catch (RuntimeException e) {
            ingest = new JsonObject();
            ingest.addProperty("error", String.valueOf(e.getMessage()));
        }
        r.add("ingest", ingest);
        reply.result(r);
    }
}
