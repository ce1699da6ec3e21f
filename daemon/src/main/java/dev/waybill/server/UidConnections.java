package dev.waybill.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Connections open per uid, each uid but root's held to a share of the server's connections:
 * anyone local may connect, and one user keeping connections open (idle ones are closed, but a
 * client may keep talking) must not take the slots the cPanel and WHM pages need. Thread-safe.
 */
final class UidConnections {

    private static final long SAY_EVERY_MS = 60_000;

    private final int limit;
    private final Consumer<String> log;
    private final ConcurrentHashMap<Integer, Integer> open = new ConcurrentHashMap<>();
    private final AtomicLong saidAt = new AtomicLong();

    UidConnections(int limit, Consumer<String> log) {
        this.limit = limit;
        this.log = log;
    }

    /**
     * Counts one more connection of {@code peer}, unless its uid has {@link #limit} open already;
     * root is never refused here. A connection counted must be {@link #release}d once closed.
     *
     * @return true if counted (or root)
     */
    boolean admit(PeerIdentity peer) {
        if (peer.isRoot()) {
            return true;
        }
        boolean[] admitted = {false};
        open.compute(peer.uid(), (uid, n) -> {
            int now = n == null ? 0 : n;
            if (now >= limit) {
                return n;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) {
            long t = System.currentTimeMillis();
            long said = saidAt.get();
            if (t - said >= SAY_EVERY_MS && saidAt.compareAndSet(said, t)) {
                log.accept("refusing socket connections of uid " + peer.uid() + ": it has " + limit
                        + " open, the most one user may have");
            }
        }
        return admitted[0];
    }

    /** Forgets one connection {@link #admit} counted. */
    void release(PeerIdentity peer) {
        if (!peer.isRoot()) {
            open.computeIfPresent(peer.uid(), (uid, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** The most connections one uid other than root may have open. */
    int limit() {
        return limit;
    }
}
