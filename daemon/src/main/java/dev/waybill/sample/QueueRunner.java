package dev.waybill.sample;

import java.util.SplittableRandom;

/**
 * The queue runner the Exim daemon starts every 15 minutes ({@code -q15m}, as on the cPanel
 * server in shared/corpora/real-world/artik-2023-04.exim_mainlog): logs its command line, then
 * {@code Start queue run: pid=N} and, once the run is over, {@code End queue run: pid=N}.
 * Deferred messages are retried inside a run, between those two lines.
 */
final class QueueRunner extends Event {

    static final long INTERVAL = 15 * 60_000L;

    private final long base;
    private final long seed;
    private long run;
    private boolean started;
    private int pid;

    /** Queue runs happen at {@code base + k * INTERVAL}, k = 1, 2, ... */
    QueueRunner(long base, long seed) {
        this.base = base;
        this.seed = seed;
    }

    void scheduleFirst(Simulation sim) {
        run = 1;
        sim.timeline.schedule(this, startOf(run));
    }

    private long startOf(long k) {
        return base + k * INTERVAL;
    }

    /** How long run {@code k} takes: fixed by the seed, so it is known before the run starts. */
    private long durationOf(long k) {
        long h = (seed ^ (k * 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
        return 2_000 + Math.floorMod(h, 40_000L);
    }

    /**
     * A moment inside the first queue run that starts after {@code t}, when a message deferred
     * at {@code t} gets its next attempt.
     */
    long slotAfter(long t, SplittableRandom r) {
        long k = Math.floorDiv(t - base, INTERVAL) + 1;
        long d = durationOf(k);
        return startOf(k) + 1 + (long) (r.nextDouble() * (d - 2));
    }

    @Override
    void fire(Simulation sim) {
        if (!started) {
            if (sim.draining) {
                return;
            }
            pid = sim.nextPid();
            sim.line().append("cwd=/var/spool/exim 2 args: /usr/sbin/exim -q").end();
            sim.line().append("Start queue run: pid=").append(pid).end();
            started = true;
            sim.timeline.schedule(this, startOf(run) + durationOf(run));
        } else {
            sim.line().append("End queue run: pid=").append(pid).end();
            started = false;
            run++;
            if (!sim.draining) {
                sim.timeline.schedule(this, startOf(run));
            }
        }
    }
}
