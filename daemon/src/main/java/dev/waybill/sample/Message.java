package dev.waybill.sample;

import java.util.SplittableRandom;

/**
 * One message in Exim's queue, from its arrival to {@code Completed} (or to the end of the log,
 * when it is left deferred or frozen on purpose).
 *
 * <p>A delivery attempt is a run of steps, one per destination group (a local mailbox, or all
 * recipients at one remote domain, which share one SMTP transaction and so log {@code =>}
 * followed by {@code ->}); each step fires a little later than the one before, as long as the
 * SMTP conversation takes. Routing failures come first, then local deliveries, then remote
 * ones, as in Exim. After the last step the message completes, is queued for the next queue
 * run, bounces (a new message {@code <= <> R=<this id>}), or, if it is itself a bounce that
 * failed, freezes.
 */
final class Message extends Event {

    enum State { DELIVERING, QUEUED, FROZEN, DONE }

    /** Exim's retry rule F,2h,15m; G,16h,1h,1.5; F,4d,6h gives up after four days. */
    static final long RETRY_CUTOFF = 4 * 86_400_000L;
    /** Assumed {@code ignore_bounce_errors_after}: a frozen bounce is thawed and dropped after 2 days. */
    static final long IGNORE_BOUNCE_ERRORS_AFTER = 2 * 86_400_000L;
    /** A connect() to a dead host fails after the kernel's SYN retries, about two minutes. */
    private static final long CONNECT_TIMEOUT = 127_000;

    private enum Plan { NORMAL, TEMPORARY, TIMEOUT, TIMEOUT_EXPIRED, RETRY_NOT_DUE }

    final byte[] id;
    /** Envelope sender; empty for a bounce. */
    final String sender;
    /** For a bounce, the id of the message that failed; else null. */
    final byte[] bouncedId;
    final int size;
    /** The Message-ID header (without angle brackets), which Microsoft quotes in its reply. */
    final String messageIdHeader;
    final long arrivedMillis;
    Leg[] legs;

    /** Where a bounce of this message goes: a local domain, or a remote one. */
    HostingServer.Domain senderLocalDomain;
    RemoteWorld.RemoteDomain senderRemoteDomain;
    /** The sender address was made up (spam): a bounce to it fails. */
    boolean senderForged;

    State state = State.DELIVERING;
    private boolean everQueued;
    private boolean thawed;
    private int cursor;
    private int failedThisAttempt;
    private Plan plan;
    private RemoteWorld.Mx mx;
    private int mxIp;

    Message(byte[] id, String sender, byte[] bouncedId, int size, String messageIdHeader,
            long arrivedMillis) {
        this.id = id;
        this.sender = sender;
        this.bouncedId = bouncedId;
        this.size = size;
        this.messageIdHeader = messageIdHeader;
        this.arrivedMillis = arrivedMillis;
    }

    boolean isBounce() {
        return bouncedId != null;
    }

    /** Orders legs as Exim works through them: routing results, local deliveries, remote hosts. */
    void setLegs(java.util.List<Leg> list) {
        Leg[] out = new Leg[list.size()];
        int n = 0;
        for (Leg.Kind k : new Leg.Kind[] {Leg.Kind.UNROUTEABLE, Leg.Kind.FAIL_ALIAS,
            Leg.Kind.BLACKHOLE, Leg.Kind.LOCAL}) {
            for (Leg l : list) {
                if (l.kind == k) {
                    out[n++] = l;
                }
            }
        }
        // Remote legs grouped by domain, groups in order of first appearance.
        for (int i = 0; i < list.size(); i++) {
            Leg l = list.get(i);
            if (l.kind != Leg.Kind.REMOTE || contains(out, n, l)) {
                continue;
            }
            for (int j = i; j < list.size(); j++) {
                Leg m = list.get(j);
                if (m.kind == Leg.Kind.REMOTE && m.dest == l.dest) {
                    out[n++] = m;
                }
            }
        }
        legs = out;
    }

    private static boolean contains(Leg[] a, int n, Leg l) {
        for (int i = 0; i < n; i++) {
            if (a[i] == l) {
                return true;
            }
        }
        return false;
    }

    /** Schedules a delivery attempt starting at {@code at}. */
    void startAttempt(Simulation sim, long at) {
        state = State.DELIVERING;
        cursor = 0;
        failedThisAttempt = 0;
        int first = nextPending(0);
        if (first < 0) {
            sim.timeline.schedule(this, at);
            return;
        }
        sim.timeline.schedule(this, at + prepare(sim, legs[first], at));
    }

    @Override
    void fire(Simulation sim) {
        switch (state) {
            case QUEUED:
                if (sim.draining) {
                    sim.leftDeferred++;
                    return;
                }
                sim.nextPid();
                startAttempt(sim, sim.now);
                return;
            case FROZEN:
                if (sim.draining) {
                    sim.leftFrozen++;
                    return;
                }
                sim.line(id).append("Unfrozen by errmsg timer").end();
                thawed = true;
                for (Leg l : legs) {
                    if (l.failed) {
                        l.done = false;
                    }
                }
                sim.nextPid();
                startAttempt(sim, sim.now + sim.rnd.nextInt(50));
                return;
            case DELIVERING:
                step(sim);
                return;
            default:
                return;
        }
    }

    private int nextPending(int from) {
        for (int i = from; i < legs.length; i++) {
            if (!legs[i].done) {
                return i;
            }
        }
        return -1;
    }

    private void step(Simulation sim) {
        int i = nextPending(cursor);
        if (i < 0) {
            finish(sim);
            return;
        }
        Leg first = legs[i];
        int end = i + 1;
        if (first.kind == Leg.Kind.REMOTE) {
            while (end < legs.length && legs[end].kind == Leg.Kind.REMOTE && legs[end].dest == first.dest) {
                end++;
            }
            remoteGroup(sim, i, end);
        } else {
            single(sim, first);
        }
        cursor = end;
        int next = nextPending(end);
        if (next < 0) {
            finish(sim);
        } else {
            sim.timeline.schedule(this, sim.now + prepare(sim, legs[next], sim.now));
        }
    }

    /**
     * Decides what the next group's attempt will meet and returns how long it takes, so the
     * step fires when Exim would log its result.
     */
    private long prepare(Simulation sim, Leg l, long now) {
        SplittableRandom r = sim.rnd;
        switch (l.kind) {
            case LOCAL:
                return 3 + r.nextInt(60);
            case REMOTE:
                break;
            default:
                return r.nextInt(4);
        }
        RemoteWorld.RemoteDomain d = l.dest;
        mx = d.mx.length > 1 && r.nextInt(10) == 0 ? d.mx[1 + r.nextInt(d.mx.length - 1)] : d.mx[0];
        mxIp = mx.ips[r.nextInt(mx.ips.length)];
        switch (d.health) {
            case DEAD_LONG:
                plan = Plan.TIMEOUT_EXPIRED;
                break;
            case DEAD_RECENT:
                if (now < d.retryNext) {
                    plan = Plan.RETRY_NOT_DUE;
                } else {
                    plan = now - d.retryFirstFail >= RETRY_CUTOFF ? Plan.TIMEOUT_EXPIRED : Plan.TIMEOUT;
                }
                break;
            case FLAKY:
                if (d.retryFirstFail != 0 && now < d.retryNext) {
                    plan = Plan.RETRY_NOT_DUE;
                } else {
                    plan = r.nextInt(100) < 30 ? Plan.TIMEOUT : Plan.NORMAL;
                }
                break;
            case GREYLIST:
                plan = l.deferrals == 0 ? Plan.TEMPORARY : Plan.NORMAL;
                break;
            default:
                plan = l.deferrals == 0 && d.provider != RemoteWorld.Provider.POSTFIX
                        && d.provider != RemoteWorld.Provider.EXIM && r.nextInt(1000) < 12
                        ? Plan.TEMPORARY : Plan.NORMAL;
                break;
        }
        switch (plan) {
            case RETRY_NOT_DUE:
                return r.nextInt(3);
            case TIMEOUT:
            case TIMEOUT_EXPIRED:
                return CONNECT_TIMEOUT + r.nextInt(3000);
            default:
                // An SMTP transaction: mostly under a second, sometimes several.
                int base = 150 + r.nextInt(700);
                return r.nextInt(10) == 0 ? base + r.nextInt(6000) : base;
        }
    }

    /** Logs the outcome of a leg that needs no SMTP conversation. */
    private void single(Simulation sim, Leg l) {
        LogWriter w;
        switch (l.kind) {
            case LOCAL:
                if (l.overQuota) {
                    w = sim.line(id).append("** ");
                    l.writeFullAddress(w);
                    w.append(" R=virtual_user T=dovecot_virtual_delivery: LMTP error after end of data: 552 5.2.2 <")
                            .append(l.mailbox).append("> Quota exceeded (mailbox for user is full)").end();
                    failed(l);
                    return;
                }
                w = sim.line(id).append("=> ");
                l.writeAddress(w);
                w.append(" R=virtual_user T=dovecot_virtual_delivery C=\"250 2.0.0 <").append(l.mailbox).append("> ");
                RemoteWorld.base62(w, sim.rnd, 22);
                w.append(" Saved\"").end();
                delivered(l);
                return;
            case BLACKHOLE:
                w = sim.line(id).append("=> ");
                l.writeAddress(w);
                w.append(" R=virtual_aliases").end();
                delivered(l);
                return;
            case FAIL_ALIAS:
                w = sim.line(id).append("** ");
                l.writeAddress(w);
                w.append(" R=virtual_aliases: ").append(HostingServer.FAIL_TEXT).end();
                failed(l);
                return;
            default:
                w = sim.line(id).append("** ");
                l.writeAddress(w);
                w.append(": Unrouteable address").end();
                failed(l);
                return;
        }
    }

    /** Logs one SMTP transaction (or failure to have one) with the legs in [from, to). */
    private void remoteGroup(Simulation sim, int from, int to) {
        SplittableRandom r = sim.rnd;
        RemoteWorld.RemoteDomain d = legs[from].dest;
        LogWriter w;
        switch (plan) {
            case RETRY_NOT_DUE:
                for (int i = from; i < to; i++) {
                    w = deferPrefix(sim, legs[i]).append("defer (-53): retry time not reached for any host");
                    if (sim.idWidth == 23) {
                        w.append(" for '").append(d.name).append('\'');
                    }
                    w.end();
                    legs[i].deferrals++;
                }
                return;
            case TIMEOUT:
            case TIMEOUT_EXPIRED:
                sim.line(id).append("H=").append(mx.name).append(" [").appendIp(mxIp)
                        .append("] Connection timed out").end();
                long now = sim.now;
                if (d.retryFirstFail == 0) {
                    d.retryFirstFail = now;
                }
                long age = now - d.retryFirstFail;
                d.retryNext = now + (age < 2 * 3_600_000L ? 15 * 60_000L
                        : age < 16 * 3_600_000L ? Math.max(3_600_000L, age / 2) : 6 * 3_600_000L);
                for (int i = from; i < to; i++) {
                    Leg l = legs[i];
                    deferPrefix(sim, l).append("defer (110): Connection timed out").end();
                    l.deferrals++;
                    if (plan == Plan.TIMEOUT_EXPIRED) {
                        w = sim.line(id).append("** ");
                        l.writeAddress(w);
                        w.append(": retry timeout exceeded").end();
                        failed(l);
                    }
                }
                return;
            case TEMPORARY:
                for (int i = from; i < to; i++) {
                    Leg l = legs[i];
                    w = deferPrefix(sim, l).append("defer (").append(RemoteWorld.temporaryErrno(d)).append(") H=")
                            .append(mx.name).append(" [").appendIp(mxIp).append("]: ");
                    RemoteWorld.temporaryRefusal(w, d, this, l.target, sim.world.serverIp, r);
                    w.end();
                    l.deferrals++;
                }
                return;
            default:
                break;
        }
        if (d.health == RemoteWorld.Health.FLAKY) {
            d.retryFirstFail = 0;
        }
        boolean spam = legs[from].spamRejected;
        boolean first = true;
        for (int i = from; i < to; i++) {
            Leg l = legs[i];
            if (l.userUnknown || spam) {
                w = sim.line(id).append("** ");
                l.writeAddress(w);
                w.append(" R=dkim_lookuphost T=dkim_remote_smtp H=").append(mx.name).append(" [").appendIp(mxIp).append(']');
                if (mx.tls != null) {
                    w.append(' ').append(mx.tls);
                }
                if (spam) {
                    w.append(": SMTP error from remote mail server after end of data: ");
                    RemoteWorld.spamReply(w, d, sim.world.serverIp, r);
                } else {
                    w.append(": SMTP error from remote mail server after RCPT TO:<").append(l.target).append(">: ");
                    RemoteWorld.userUnknownReply(w, d, l.target, r);
                }
                w.end();
                failed(l);
                continue;
            }
            w = sim.line(id).append(first ? "=> " : "-> ");
            first = false;
            l.writeAddress(w);
            w.append(" R=dkim_lookuphost T=dkim_remote_smtp H=").append(mx.name).append(" [").appendIp(mxIp).append(']');
            if (mx.tls != null) {
                w.append(' ').append(mx.tls);
            }
            w.append(" C=\"");
            RemoteWorld.okReply(w, d, r, sim.now, this, sim.idWidth);
            w.append('"').end();
            delivered(l);
        }
    }

    private LogWriter deferPrefix(Simulation sim, Leg l) {
        LogWriter w = sim.line(id).append("== ");
        l.writeAddress(w);
        return w.append(" R=dkim_lookuphost T=dkim_remote_smtp ");
    }

    private void delivered(Leg l) {
        l.done = true;
        l.failed = false;
    }

    private void failed(Leg l) {
        l.done = true;
        l.failed = true;
        failedThisAttempt++;
    }

    private void finish(Simulation sim) {
        if (failedThisAttempt > 0) {
            if (isBounce()) {
                if (!thawed) {
                    sim.line(id).append("Frozen (delivery error message)").end();
                    state = State.FROZEN;
                    sim.frozenBounces++;
                    sim.timeline.schedule(this, sim.queue.slotAfter(sim.now + IGNORE_BOUNCE_ERRORS_AFTER, sim.rnd));
                    return;
                }
                for (Leg l : legs) {
                    if (l.failed) {
                        sim.line(id).append(l.target).append(": error ignored").end();
                    }
                }
            } else {
                sim.bounce(this);
            }
        }
        if (nextPending(0) >= 0) {
            state = State.QUEUED;
            everQueued = true;
            sim.timeline.schedule(this, sim.queue.slotAfter(sim.now, sim.rnd));
            return;
        }
        LogWriter w = sim.line(id).append("Completed");
        if (everQueued || thawed) {
            w.append(" QT=").appendDuration((sim.now - arrivedMillis) / 1000);
        }
        w.end();
        state = State.DONE;
        sim.completed++;
    }
}
