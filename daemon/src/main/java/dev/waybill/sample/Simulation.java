package dev.waybill.sample;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One run of the generator: the shared state every event works on (clock, random source, log
 * buffer, the server and the outside world) and the loop that fires events in time order.
 *
 * <p>New SMTP sessions and local submissions arrive as a Poisson process whose rate follows the
 * hour of day. Once the requested number of lines is written the simulation drains: nothing new
 * arrives, the queue runner stops, messages waiting for a retry stay deferred and frozen ones
 * stay frozen, and everything already under way (sessions, delivery attempts, bounces) finishes.
 */
final class Simulation {

    /** Relative traffic by hour of day: quiet nights, a busy office day. */
    private static final double[] HOURLY = {
        0.30, 0.22, 0.18, 0.16, 0.18, 0.25, 0.40, 0.65, 0.90, 1.10, 1.20, 1.25,
        1.20, 1.20, 1.25, 1.25, 1.20, 1.05, 0.90, 0.80, 0.70, 0.60, 0.50, 0.40,
    };

    /** New sessions per second and per account, averaged over a day. */
    private static final double SESSIONS_PER_ACCOUNT_SECOND = 0.005;

    final SampleLogGenerator.Options options;
    final int idWidth;
    final SplittableRandom rnd;
    final LogWriter log;
    final Timeline timeline = new Timeline();
    final RemoteWorld world;
    final HostingServer server;
    final QueueRunner queue;

    /** The simulated clock, epoch milliseconds. */
    long now;
    boolean draining;
    int connections;
    private int pid;
    private final double sessionsPerMilli;

    long arrivals;
    long completed;
    long bounces;
    long frozenBounces;
    long leftDeferred;
    long leftFrozen;
    long rejections;
    /** Most events pending at once: sessions, messages and timers in flight. */
    int peakInFlight;

    Simulation(SampleLogGenerator.Options options, OutputStream out) {
        this.options = options;
        this.idWidth = options.idWidth();
        this.rnd = new SplittableRandom(options.seed());
        this.log = new LogWriter(out);
        // The world is built from its own stream so it does not change with the traffic mix.
        SplittableRandom worldRandom = new SplittableRandom(options.seed() ^ 0x5DEECE66DL);
        this.world = new RemoteWorld(worldRandom, Math.max(200, options.accounts() * 8));
        this.server = new HostingServer(options.accounts(), worldRandom, world);
        this.now = options.startMillis();
        world.primeRetryRecords(now, worldRandom);
        this.queue = new QueueRunner(now - rnd.nextInt((int) QueueRunner.INTERVAL), options.seed());
        this.pid = 20_000 + rnd.nextInt(2_000_000);
        double mean = 0;
        for (double h : HOURLY) {
            mean += h / HOURLY.length;
        }
        this.sessionsPerMilli = options.accounts() * SESSIONS_PER_ACCOUNT_SECOND / 1000.0 / mean;
    }

    /** Runs the simulation to its end and flushes the log. */
    void run() {
        int daemon = nextPid();
        String version = idWidth == 16 ? "4.96" : "4.98";
        line().append("cwd=/var/spool/exim 6 args: /usr/sbin/exim -ps -bd -q15m -oP /var/spool/exim/exim-daemon.pid").end();
        line().append("exim ").append(version).append(" daemon started: pid=").append(daemon)
                .append(", -q15m, listening for SMTP on port 25 (IPv6 and IPv4) port 587 (IPv6 and IPv4)"
                        + " and for SMTPS on port 465 (IPv6 and IPv4)").end();
        queue.scheduleFirst(this);
        Arrivals arrivals = new Arrivals();
        timeline.schedule(arrivals, now + nextGap());
        long limit = options.lines();
        Event e;
        while ((e = timeline.poll()) != null) {
            if (e.due > now) {
                now = e.due;
            }
            e.fire(this);
            if (timeline.size() > peakInFlight) {
                peakInFlight = timeline.size();
            }
            if (!draining && log.lines() >= limit) {
                draining = true;
            }
        }
        log.flush();
    }

    /** Starts a line stamped with the current time. */
    LogWriter line() {
        return log.begin(now);
    }

    /** Starts a line about message {@code id}. */
    LogWriter line(byte[] id) {
        return log.begin(now).append(id).append(' ');
    }

    /** The id of the next process Exim forks; Linux hands them out in rising order. */
    int nextPid() {
        pid += 1 + rnd.nextInt(30);
        if (pid >= 4_194_304) {
            pid = 1_000 + rnd.nextInt(1_000);
        }
        return pid;
    }

    byte[] newId(int processId) {
        return MessageIds.make(idWidth, Math.floorDiv(now, 1000),
                processId, Math.floorMod(now, 1000) * 1000 + rnd.nextInt(1000));
    }

    /** Milliseconds until the next session arrives, following the hour of day. */
    private long nextGap() {
        int hour = (int) Math.floorMod(Math.floorDiv(now, 3_600_000L), 24L);
        double rate = sessionsPerMilli * HOURLY[hour];
        return 1 + (long) (-Math.log(1.0 - rnd.nextDouble()) / rate);
    }

    /** The arrival process: starts one session or local submission, then waits for the next. */
    private final class Arrivals extends Event {
        @Override
        void fire(Simulation sim) {
            if (draining) {
                return;
            }
            int x = rnd.nextInt(1000);
            if (x < LocalSubmission.SHARE) {
                new LocalSubmission().start(sim);
            } else {
                SmtpSession.start(sim, x - LocalSubmission.SHARE);
            }
            timeline.schedule(this, now + nextGap());
        }
    }

    /**
     * Creates the bounce for the failed legs of {@code m}: Exim logs its arrival
     * ({@code <= <> R=<failed id> U=mailnull P=local}) right after the failures, before the
     * failed message's {@code Completed}.
     */
    void bounce(Message m) {
        int p = nextPid();
        byte[] id = newId(p);
        int size = Math.min(m.size, 100_000) + 1_600 + rnd.nextInt(900);
        Message b = new Message(id, "", m.id, size, "E" + new String(id, java.nio.charset.StandardCharsets.US_ASCII)
                + "@" + server.hostname, now);
        List<Leg> legs = new ArrayList<>(1);
        if (m.senderLocalDomain != null) {
            int at = m.sender.indexOf('@');
            server.route(m.sender, null, m.sender.substring(0, at), m.senderLocalDomain, world, legs, 0);
        } else {
            Leg l = Leg.remote(m.sender, null, m.sender, m.senderRemoteDomain);
            l.userUnknown = m.senderForged;
            legs.add(l);
        }
        b.setLegs(legs);
        line(id).append("<= <> R=").append(m.id).append(" U=mailnull P=local S=").append(size)
                .append(" T=\"Mail delivery failed: returning message to sender\" for ").append(m.sender).end();
        arrivals++;
        bounces++;
        b.startAttempt(this, now + 5 + rnd.nextInt(400));
    }

    /** A message size in bytes: a few KB typically, a long tail of attachments. */
    int messageSize() {
        double g = rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 1.5; // about normal, sd 0.5
        double s = Math.exp(8.6 + 2.4 * g);
        return (int) Math.max(420, Math.min(s, 30_000_000));
    }

    /** Expands {@code {n}} and {@code {biz}} in a subject template. */
    String subject(String template, HostingServer.Domain d) {
        if (template.indexOf('{') < 0) {
            return template;
        }
        String biz = d == null ? "Shop" : d.name.substring(0, 1).toUpperCase()
                + d.name.substring(1, d.name.indexOf('.'));
        return template.replace("{n}", Integer.toString(1000 + rnd.nextInt(90000))).replace("{biz}", biz);
    }
}
