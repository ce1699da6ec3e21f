package dev.waybill.server;

import com.google.gson.JsonObject;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code health}: the daemon's version, process, uptime and connections, facts the daemon adds
 * (the admin page's {@code admin_url}, the {@code retention} passes), and the state of log
 * ingestion as its supplier tells it.
 * Answers anyone the server answers at all; reveals no mail (and never the admin page's token).
 */
final class HealthMethod implements Method {

    private final SocketServer server;
    private final Supplier<Map<String, Object>> ingestState;
    private final Supplier<Map<String, Object>> daemonFacts;

    HealthMethod(SocketServer server, Supplier<Map<String, Object>> ingestState,
            Supplier<Map<String, Object>> daemonFacts) {
        this.server = server;
        this.ingestState = ingestState;
        this.daemonFacts = daemonFacts;
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
        try {
            daemonFacts.get().forEach((k, v) -> {
                if (!r.has(k) && v != null) {
                    r.add(k, JsonCodec.GSON.toJsonTree(v));
                }
            });
        } catch (RuntimeException e) {
            r.addProperty("error", String.valueOf(e.getMessage()));
        }
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
