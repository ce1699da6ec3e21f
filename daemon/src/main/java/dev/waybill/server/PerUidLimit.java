package dev.waybill.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * How much of something shared each uid holds, each uid but root's held to a share of it: anyone
 * local may connect, and one user must not take what the cPanel and WHM pages of the others need.
 * The server keeps two: connections open (idle ones are closed, but a client may keep talking),
 * and requests on the worker pool (an account can make its own requests slow). Root, which the
 * WHM page runs as for root and every reseller, is never refused here. Thread-safe.
 */
final class PerUidLimit {

    private static final long SAY_EVERY_MS = 60_000;

    private final int limit;
    private final String what;
    private final Consumer<String> log;
    private final ConcurrentHashMap<Integer, Integer> open = new ConcurrentHashMap<>();
    private final AtomicLong saidAt = new AtomicLong();

    /** @param what what is counted, plural, for the log ("socket connections") */
    PerUidLimit(int limit, String what, Consumer<String> log) {
        this.limit = limit;
        this.what = what;
        this.log = log;
    }

    /**
     * Counts one more for {@code peer}, unless its uid holds {@link #limit} already; root is never
     * refused. What is counted must be {@link #release}d once done.
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
                log.accept("refusing " + what + " of uid " + peer.uid() + ": it has " + limit
                        + ", the most one user may have");
            }
        }
        return admitted[0];
    }

    /** Forgets one {@link #admit} counted. */
    void release(PeerIdentity peer) {
        if (!peer.isRoot()) {
            open.computeIfPresent(peer.uid(), (uid, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** The most one uid other than root may hold. */
    int limit() {
        return limit;
    }
}
