package dev.waybill.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The socket server's limits. {@link #defaults(Path)} suits a production server; tests shorten
 * the timeouts with the {@code with...} methods. Immutable.
 *
 * @param socketPath         where to listen
 * @param maxConnections     connections open at once; one more gets an {@code unavailable} line
 *                           and is closed (clamped below the process's file descriptor limit)
 * @param maxConnectionsPerUid connections one uid other than root may hold open at once, so that
 *                           no local user (the socket is open to all) can take them all; one
 *                           more gets an {@code unavailable} line and is closed. Root, which the
 *                           WHM page runs as for root and every reseller, has only the overall limit
 * @param idleTimeout        a connection with nothing in flight that neither sends nor receives
 *                           for this long (a half-sent line included) gets an error line and is
 *                           closed
 * @param stallTimeout       a client that leaves its replies unread this long is closed, and a
 *                           streaming method waiting for it gives up
 * @param workerThreads      threads running blocking methods (database calls)
 * @param workerQueue        requests waiting for a worker; past it the reply is {@code unavailable}
 * @param maxPending         requests one connection may have queued (pipelined) before the
 *                           server stops reading from it
 * @param writeLowWaterMark  bytes of unsent replies below which a stalled connection is writable
 *                           again
 * @param writeHighWaterMark bytes of unsent replies above which the server stops producing for
 *                           that connection
 */
public record ServerSettings(Path socketPath, int maxConnections, int maxConnectionsPerUid, Duration idleTimeout,
        Duration stallTimeout, int workerThreads, int workerQueue, int maxPending, int writeLowWaterMark,
        int writeHighWaterMark) {

    /** The longest request line, in bytes (DESIGN.md). */
    public static final int MAX_LINE_BYTES = 64 * 1024;

    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_UID = 64;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_WORKER_THREADS = 8;
    public static final int DEFAULT_WORKER_QUEUE = 256;
    public static final int DEFAULT_MAX_PENDING = 16;

    public ServerSettings {
        if (socketPath == null || !socketPath.isAbsolute()) {
            throw new IllegalArgumentException("socket path must be absolute: " + socketPath);
        }
        positive("maxConnections", maxConnections);
        positive("maxConnectionsPerUid", maxConnectionsPerUid);
        positive("workerThreads", workerThreads);
        positive("workerQueue", workerQueue);
        positive("maxPending", maxPending);
        positive("writeLowWaterMark", writeLowWaterMark);
        if (writeHighWaterMark < writeLowWaterMark) {
            throw new IllegalArgumentException("writeHighWaterMark " + writeHighWaterMark
                    + " is below writeLowWaterMark " + writeLowWaterMark);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero() || stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /** Production limits for a server listening on {@code socketPath}. */
    public static ServerSettings defaults(Path socketPath) {
        return new ServerSettings(socketPath, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_UID,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_STALL_TIMEOUT, DEFAULT_WORKER_THREADS, DEFAULT_WORKER_QUEUE,
                DEFAULT_MAX_PENDING, 64 * 1024, 256 * 1024);
    }

    public ServerSettings withMaxConnections(int n) {
        return new ServerSettings(socketPath, n, maxConnectionsPerUid, idleTimeout, stallTimeout, workerThreads,
                workerQueue, maxPending, writeLowWaterMark, writeHighWaterMark);
    }

    public ServerSettings withMaxConnectionsPerUid(int n) {
        return new ServerSettings(socketPath, maxConnections, n, idleTimeout, stallTimeout, workerThreads, workerQueue,
                maxPending, writeLowWaterMark, writeHighWaterMark);
    }

    public ServerSettings withIdleTimeout(Duration d) {
        return new ServerSettings(socketPath, maxConnections, maxConnectionsPerUid, d, stallTimeout, workerThreads,
                workerQueue, maxPending, writeLowWaterMark, writeHighWaterMark);
    }

    public ServerSettings withStallTimeout(Duration d) {
        return new ServerSettings(socketPath, maxConnections, maxConnectionsPerUid, idleTimeout, d, workerThreads,
                workerQueue, maxPending, writeLowWaterMark, writeHighWaterMark);
    }

    public ServerSettings withWorkers(int threads, int queue) {
        return new ServerSettings(socketPath, maxConnections, maxConnectionsPerUid, idleTimeout, stallTimeout, threads,
                queue, maxPending, writeLowWaterMark, writeHighWaterMark);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
