package dev.waybill.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One SMTP connection to the server, from {@code SMTP connection from [ip]:port} to its close:
 * a mail client submitting (authenticated), webmail, a newsletter run, another server
 * delivering to local mailboxes, a spammer, a dictionary attack, a password guesser.
 *
 * <p>Each session is a few steps: connect, an optional failed reverse DNS lookup, one or more
 * actions (a message, a rejected recipient, a failed login) spaced out in time, and the close.
 * A message the session hands over is logged as Exim and cPanel's ACLs log it
 * ({@code Sender identification}, the SpamAssassin warning, {@code <=}), after which the daemon
 * re-executes itself to deliver ({@code cwd=/var/spool/exim 3 args: /usr/sbin/exim -Mc <id>}).
 */
final class SmtpSession extends Event {

    enum Kind { AUTH, BULK, WEBMAIL, INCOMING, SPAM, DICTIONARY, RBL, BAD_HELO, AUTH_FAIL, TLS_ERROR,
        SENDER_VERIFY }

    /** Share of all arrivals per kind, per mille; with {@link LocalSubmission#SHARE} they make 1000. */
    private static final int[] SHARES = {190, 3, 60, 350, 50, 100, 50, 20, 70, 15, 12};

    private static final int CONNECT = 0;
    private static final int NO_HOST = 1;
    private static final int ACT = 2;
    private static final int CLOSE = 3;

    private static final String TLS_IN = "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no";

    private final Kind kind;
    private final SmtpPeer peer = new SmtpPeer();
    private int step = CONNECT;
    private int actionsLeft;
    private long openedAt;
    private int pid;

    // Outgoing sessions: who is logged in.
    private HostingServer.Account account;
    private HostingServer.Domain domain;
    private String sender;
    private String bulkSubject;
    private boolean tls = true;

    // Incoming sessions: who is sending.
    private RemoteWorld.RemoteDomain fromDomain;
    private String fromAddress;
    private boolean forged;

    private SmtpSession(Kind kind) {
        this.kind = kind;
    }

    /** Starts a session of the kind {@code x} (0 to 919) falls on. */
    static void start(Simulation sim, int x) {
        Kind[] kinds = Kind.values();
        int k = 0;
        int upTo = SHARES[0];
        while (x >= upTo && k < kinds.length - 1) {
            upTo += SHARES[++k];
        }
        new SmtpSession(kinds[k]).open(sim);
    }

    private void open(Simulation sim) {
        SplittableRandom r = sim.rnd;
        peer.port = 1024 + r.nextInt(64_000);
        switch (kind) {
            case AUTH:
            case BULK:
                login(sim);
                clientPeer(r);
                tls = r.nextInt(10) != 0;
                actionsLeft = kind == Kind.BULK ? 20 + r.nextInt(130) : r.nextInt(100) < 85 ? 1 : 2 + r.nextInt(2);
                if (kind == Kind.BULK) {
                    bulkSubject = sim.subject(Words.pick(r, Words.NEWSLETTER_SUBJECTS), domain);
                }
                break;
            case WEBMAIL:
                login(sim);
                peer.set("localhost", sim.server.hostname, 127 << 24 | 1);
                tls = false;
                actionsLeft = 1;
                break;
            case INCOMING:
                int f = r.nextInt(100);
                fromDomain = f < 45 ? sim.world.pickFreemail(r) : f < 85 ? sim.world.pickBusiness(r)
                        : f < 93 ? sim.world.mailchimp() : sim.world.amazonses();
                sim.world.senderHost(fromDomain, r, peer);
                actionsLeft = r.nextInt(10) == 0 ? 2 : 1;
                break;
            case SPAM:
                fromDomain = sim.world.pickBusiness(r);
                forged = true;
                botPeer(r);
                actionsLeft = 1;
                break;
            case DICTIONARY:
            case RBL:
            case SENDER_VERIFY:
                fromDomain = sim.world.pickBusiness(r);
                botPeer(r);
                actionsLeft = 1 + r.nextInt(kind == Kind.DICTIONARY ? 8 : 2);
                break;
            case AUTH_FAIL:
                botPeer(r);
                peer.helo = "localhost";
                actionsLeft = 1 + r.nextInt(3);
                break;
            default:
                botPeer(r);
                actionsLeft = 1;
                break;
        }
        pid = sim.nextPid();
        openedAt = sim.now;
        sim.connections++;
        LogWriter w = sim.line().append("SMTP connection from ");
        peer.writeAddress(w);
        w.append(" (TCP/IP connection count = ").append(sim.connections).append(')').end();
        if (peer.rdns == null) {
            step = NO_HOST;
            sim.timeline.schedule(this, sim.now + 100 + r.nextInt(2_500));
        } else {
            step = ACT;
            sim.timeline.schedule(this, sim.now + firstGap(r));
        }
    }

    private long firstGap(SplittableRandom r) {
        switch (kind) {
            case TLS_ERROR:
                return r.nextInt(200);
            case BAD_HELO:
            case DICTIONARY:
            case RBL:
                return 200 + r.nextInt(3_000);
            case AUTH_FAIL:
                return 3_000 + r.nextInt(12_000);
            default:
                return 250 + r.nextInt(2_500);
        }
    }

    private long nextGap(SplittableRandom r) {
        switch (kind) {
            case BULK:
                return 300 + r.nextInt(1_200);
            case AUTH:
                return 2_000 + r.nextInt(25_000);
            case AUTH_FAIL:
                return 2_000 + r.nextInt(8_000);
            default:
                return 100 + r.nextInt(1_500);
        }
    }

    @Override
    void fire(Simulation sim) {
        SplittableRandom r = sim.rnd;
        switch (step) {
            case NO_HOST:
                sim.line().append("no host name found for IP address ").appendIp(peer.ip).end();
                step = ACT;
                sim.timeline.schedule(this, sim.now + firstGap(r));
                return;
            case ACT:
                act(sim);
                actionsLeft--;
                if (actionsLeft > 0 && !sim.draining) {
                    sim.timeline.schedule(this, sim.now + nextGap(r));
                } else {
                    step = CLOSE;
                    sim.timeline.schedule(this, sim.now + (kind == Kind.TLS_ERROR ? 0 : 10 + r.nextInt(1_500)));
                }
                return;
            default:
                close(sim);
                return;
        }
    }

    private void close(Simulation sim) {
        sim.connections--;
        if (kind == Kind.TLS_ERROR) {
            return; // Exim logs nothing more for a connection that failed its TLS handshake.
        }
        LogWriter w = sim.line().append("SMTP connection from ");
        peer.writeHost(w);
        switch (kind) {
            case AUTH_FAIL:
                w.append(" lost D=").appendDuration((sim.now - openedAt) / 1000);
                break;
            case BAD_HELO:
                w.append(" closed by DROP in ACL");
                break;
            case DICTIONARY:
            case RBL:
            case SENDER_VERIFY:
                if (sim.rnd.nextInt(10) < 4) {
                    w.append(" lost D=").appendDuration((sim.now - openedAt) / 1000);
                    break;
                }
                w.append(" closed by QUIT");
                break;
            default:
                w.append(" closed by QUIT");
                break;
        }
        w.end();
    }

    private void act(Simulation sim) {
        switch (kind) {
            case AUTH:
            case BULK:
            case WEBMAIL:
                outgoing(sim);
                return;
            case INCOMING:
            case SPAM:
                incoming(sim);
                return;
            default:
                noise(sim);
                return;
        }
    }

    // ---- outgoing: a user of this server sends ------------------------------------------------

    private void login(Simulation sim) {
        SplittableRandom r = sim.rnd;
        account = sim.server.accounts.get(r.nextInt(sim.server.accounts.size()));
        domain = r.nextInt(10) < 7 ? account.primary() : account.domains.get(r.nextInt(account.domains.size()));
        sender = domain.mailboxes.get(r.nextInt(domain.mailboxes.size())) + "@" + domain.name;
    }

    private void outgoing(Simulation sim) {
        SplittableRandom r = sim.rnd;
        List<Leg> legs = new ArrayList<>(4);
        List<String> rcpts = new ArrayList<>(4);
        int n = kind == Kind.BULK ? 1 : r.nextInt(100) < 75 ? 1 : r.nextInt(100) < 72 ? 2 + r.nextInt(2) : 4 + r.nextInt(7);
        RemoteWorld.RemoteDomain firstRemote = null;
        for (int i = 0; i < n; i++) {
            if (kind != Kind.BULK && r.nextInt(10) == 0) {
                HostingServer.Domain d = sim.server.domains.get(r.nextInt(sim.server.domains.size()));
                String lp = !d.forwarders.isEmpty() && r.nextInt(100) < 20
                        ? d.forwarders.get(r.nextInt(d.forwarders.size())).localPart
                        : d.mailboxes.get(r.nextInt(d.mailboxes.size()));
                String to = lp + "@" + d.name;
                if (!rcpts.contains(to)) {
                    rcpts.add(to);
                    sim.server.route(to, null, lp, d, sim.world, legs, 0);
                }
                continue;
            }
            RemoteWorld.RemoteDomain rd = firstRemote != null && !firstRemote.freemail && r.nextBoolean()
                    ? firstRemote : kind == Kind.BULK && r.nextInt(100) < 60 ? sim.world.pickFreemail(r)
                    : sim.world.pickRecipientDomain(r);
            if (firstRemote == null) {
                firstRemote = rd;
            }
            String to = RemoteWorld.personAddress(r, rd);
            if (rcpts.contains(to)) {
                continue;
            }
            rcpts.add(to);
            Leg l = Leg.remote(to, null, to, rd);
            l.userUnknown = r.nextInt(100) < (kind == Kind.BULK ? 6 : 3);
            legs.add(l);
        }

        byte[] id = sim.newId(pid);
        int size = sim.messageSize();
        String mid = kind == Kind.WEBMAIL ? hexId(r, 32) + "@" + domain.name : clientMessageId(r, domain.name);
        Message m = new Message(id, sender, null, size, mid, sim.now);
        m.senderLocalDomain = domain;
        m.setLegs(legs);

        sim.line(id).append("Sender identification U=").append(account.user).append(" D=").append(domain.name)
                .append(" S=").append(sender).end();
        if (account.uid % 5 != 0) {
            // cPanel's outgoing spam scan, when the server has it on for the account.
            LogWriter w = sim.line(id).append("H=");
            peer.writeHost(w);
            w.append(" Warning: \"SpamAssassin as cpaneleximscanner detected OUTGOING smtp message as NOT spam (");
            score(w, -10 + r.nextInt(40));
            w.append(")\"").end();
        }
        LogWriter w = sim.line(id).append("<= ").append(sender).append(" H=");
        peer.writeHost(w);
        w.append(tls ? " P=esmtpsa " + TLS_IN : " P=esmtpa");
        w.append(" A=").append(r.nextInt(100) < 85 ? "dovecot_login:" : "dovecot_plain:").append(sender)
                .append(" S=").append(size).append(" id=").append(mid);
        String subject = kind == Kind.BULK ? bulkSubject : r.nextInt(100) < 3 ? null
                : sim.subject(Words.pick(r, Words.SUBJECTS), domain);
        endArrival(sim, w, subject, rcpts, m);
    }

    /** The daemon re-executes Exim to deliver the message it just accepted. */
    /** Ends a {@code <=} line with its subject and recipients, and hands the message to delivery. */
    private static void endArrival(Simulation sim, LogWriter w, String subject, List<String> rcpts, Message m) {
        if (subject != null) {
            w.append(" T=").appendQuoted(subject);
        }
        w.append(" for");
        for (String to : rcpts) {
            w.append(' ').append(to);
        }
        w.end();
        sim.arrivals++;
        deliverNow(sim, m);
    }

    private static void deliverNow(Simulation sim, Message m) {
        sim.nextPid();
        sim.line().append("cwd=/var/spool/exim 3 args: /usr/sbin/exim -Mc ").append(m.id).end();
        m.startAttempt(sim, sim.now + 5 + sim.rnd.nextInt(150));
    }

    // ---- incoming: another server delivers to this one ----------------------------------------

    private void incoming(Simulation sim) {
        SplittableRandom r = sim.rnd;
        boolean spam = kind == Kind.SPAM;
        HostingServer.Domain d = sim.server.domains.get(r.nextInt(sim.server.domains.size()));
        fromAddress = fromAddress(r, d);
        int n = r.nextInt(100) < 88 ? 1 : 2 + r.nextInt(3);
        List<Leg> legs = new ArrayList<>(4);
        List<String> rcpts = new ArrayList<>(4);
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(100);
            String lp;
            if (pick < (spam ? 10 : 6)) {
                lp = Words.pick(r, Words.ROLES) + (r.nextBoolean() ? "" : Integer.toString(r.nextInt(10)));
            } else if (pick < (spam ? 40 : 20) && !d.forwarders.isEmpty()) {
                lp = d.forwarders.get(r.nextInt(d.forwarders.size())).localPart;
            } else {
                lp = d.mailboxes.get(r.nextInt(d.mailboxes.size()));
            }
            String to = lp + "@" + d.name;
            if (rcpts.contains(to)) {
                continue;
            }
            if (!d.hasMailbox(lp) && d.forwarder(lp) == null && d.catchAll == HostingServer.CatchAll.FAIL) {
                // Recipient verification refuses it at RCPT time; the message goes on without it.
                LogWriter w = sim.line().append("H=");
                peer.writeHost(w);
                w.append(" F=<").append(fromAddress).append("> rejected RCPT <").append(to).append(">: ")
                        .append(HostingServer.FAIL_TEXT).end();
                sim.rejections++;
                continue;
            }
            rcpts.add(to);
            int before = legs.size();
            sim.server.route(to, null, lp, d, sim.world, legs, 0);
            for (int k = before; k < legs.size(); k++) {
                Leg l = legs.get(k);
                l.spamRejected = r.nextInt(100) < (spam ? 15 : 1);
                l.overQuota = l.kind == Leg.Kind.LOCAL && r.nextInt(1000) < 4;
            }
        }
        if (rcpts.isEmpty()) {
            return;
        }
        byte[] id = sim.newId(pid);
        int size = spam ? 2_000 + r.nextInt(30_000) : sim.messageSize();
        boolean scanned = d.account.uid % 3 != 0;
        int score = spam ? 50 + r.nextInt(200) : -25 + r.nextInt(65);
        if (scanned) {
            LogWriter w = sim.line(id).append("H=");
            peer.writeHost(w);
            w.append(" Warning: \"SpamAssassin as ").append(d.account.user).append(" detected message as ")
                    .append(score >= 50 ? "spam (" : "NOT spam (");
            score(w, score);
            w.append(")\"").end();
            if (score >= 100 && r.nextBoolean()) {
                w = sim.line(id).append("H=");
                peer.writeHost(w);
                w.append(" F=<").append(fromAddress).append("> rejected after DATA: Your message scored ");
                score(w, score);
                w.append(" SpamAssassin points and was refused as spam").end();
                sim.rejections++;
                return;
            }
        }
        String mid = remoteMessageId(r, fromDomain, fromAddress);
        Message m = new Message(id, fromAddress, null, size, mid, sim.now);
        m.senderRemoteDomain = fromDomain;
        m.senderForged = forged;
        m.setLegs(legs);
        LogWriter w = sim.line(id).append("<= ").append(fromAddress).append(" H=");
        peer.writeHost(w);
        boolean plain = spam ? r.nextBoolean() : !fromDomain.freemail && fromDomain.mx.length > 0 && fromDomain.mx[0].tls == null;
        w.append(plain ? " P=esmtp" : " P=esmtps " + TLS_IN).append(" S=").append(size).append(" id=").append(mid);
        String subject = spam ? Words.pick(r, Words.SPAM_SUBJECTS)
                : fromDomain == sim.world.mailchimp() || fromDomain == sim.world.amazonses()
                        ? sim.subject(Words.pick(r, Words.NEWSLETTER_SUBJECTS), null)
                        : r.nextInt(100) < 3 ? null : sim.subject(Words.pick(r, Words.SUBJECTS), null);
        endArrival(sim, w, subject, rcpts, m);
    }

    private String fromAddress(SplittableRandom r, HostingServer.Domain to) {
        if (fromDomain.name.equals("mcdlv.net")) {
            return "bounce-mc.us" + (1 + r.nextInt(21)) + "_" + (10_000_000 + r.nextInt(89_999_999)) + "."
                    + (1_000_000 + r.nextInt(8_999_999)) + "-" + to.mailboxes.get(0) + "=" + to.name + "@mail"
                    + (100 + r.nextInt(150)) + ".suw1" + (1 + r.nextInt(9)) + ".mcdlv.net";
        }
        if (fromDomain.name.equals("amazonses.com")) {
            return "010001" + hexId(r, 10) + "-" + hexId(r, 8) + "-" + hexId(r, 4) + "-" + hexId(r, 4) + "-"
                    + hexId(r, 4) + "-" + hexId(r, 12) + "-000000@amazonses.com";
        }
        if (forged) {
            return hexId(r, 6) + Words.pick(r, Words.LAST) + "@" + fromDomain.name;
        }
        return RemoteWorld.personAddress(r, fromDomain);
    }

    // ---- noise: connections that never deliver a message --------------------------------------

    private void noise(Simulation sim) {
        SplittableRandom r = sim.rnd;
        LogWriter w;
        switch (kind) {
            case DICTIONARY: {
                HostingServer.Domain d = failingDomain(sim);
                if (fromAddress == null) {
                    fromAddress = hexId(r, 8) + "@" + fromDomain.name;
                }
                w = sim.line().append("H=");
                peer.writeHost(w);
                w.append(" F=<").append(fromAddress).append("> rejected RCPT <")
                        .append(r.nextBoolean() ? Words.pick(r, Words.FIRST) : Words.pick(r, Words.BIZ_B))
                        .append('@').append(d.name).append(">: ").append(HostingServer.FAIL_TEXT).end();
                break;
            }
            case RBL: {
                HostingServer.Domain d = sim.server.domains.get(r.nextInt(sim.server.domains.size()));
                w = sim.line().append("H=");
                peer.writeHost(w);
                w.append(" F=<").append(Words.pick(r, Words.FIRST)).append('@').append(fromDomain.name)
                        .append("> rejected RCPT <").append(d.mailboxes.get(0)).append('@').append(d.name)
                        .append(">: JunkMail rejected - ");
                peer.writeHost(w);
                w.append(" is in an RBL: Client host [").appendIp(peer.ip)
                        .append("] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/")
                        .appendIp(peer.ip).end();
                break;
            }
            case SENDER_VERIFY: {
                HostingServer.Domain d = sim.server.domains.get(r.nextInt(sim.server.domains.size()));
                String bogus = "mail" + r.nextInt(100) + "." + hexId(r, 7) + ".invalid";
                String from = Words.pick(r, Words.FIRST) + "@" + bogus;
                w = sim.line().append("H=");
                peer.writeHost(w);
                w.append(" sender verify fail for <").append(from).append(">: Unrouteable mail domain \"")
                        .append(bogus).append('"').end();
                w = sim.line().append("H=");
                peer.writeHost(w);
                w.append(" F=<").append(from).append("> rejected RCPT <").append(d.mailboxes.get(0)).append('@')
                        .append(d.name).append(">: Sender verify failed").end();
                break;
            }
            case BAD_HELO:
                w = sim.line().append("H=");
                peer.writeHost(w);
                w.append(" rejected MAIL <").append(Words.pick(r, Words.FIRST)).append('@')
                        .append(sim.world.pickFreemail(r).name)
                        .append(">: Access denied - Invalid HELO name (See RFC2821 4.1.1.1)").end();
                break;
            case AUTH_FAIL: {
                String guess;
                if (r.nextBoolean()) {
                    HostingServer.Domain d = sim.server.domains.get(r.nextInt(sim.server.domains.size()));
                    guess = d.mailboxes.get(r.nextInt(d.mailboxes.size())) + "@" + d.name;
                } else {
                    guess = r.nextBoolean() ? Words.pick(r, Words.FIRST) : Words.pick(r, Words.ROLES);
                }
                w = sim.line().append("dovecot_login authenticator failed for ");
                peer.writeHost(w);
                w.append(": 535 Incorrect authentication data (set_id=").append(guess).append(')').end();
                break;
            }
            default:
                w = sim.line().append("TLS error on connection from ");
                peer.writeAddress(w);
                w.append(r.nextBoolean() ? " (SSL_accept): error:0A00006C:SSL routines::bad key share"
                        : " (SSL_accept): error:0A0000C1:SSL routines::no shared cipher").end();
                break;
        }
        sim.rejections++;
    }

    /** A local domain whose unknown local parts are refused (most are: {@code *: :fail:}). */
    private static HostingServer.Domain failingDomain(Simulation sim) {
        List<HostingServer.Domain> all = sim.server.domains;
        HostingServer.Domain d = all.get(sim.rnd.nextInt(all.size()));
        for (int i = 0; i < 10 && d.catchAll != HostingServer.CatchAll.FAIL; i++) {
            d = all.get(sim.rnd.nextInt(all.size()));
        }
        return d;
    }

    // ---- peers and identifiers -----------------------------------------------------------------

    /** A customer's PC or phone on a consumer line; about half have reverse DNS. */
    private void clientPeer(SplittableRandom r) {
        int ip = RemoteWorld.publicIp(r);
        int a = ip >>> 24;
        int b = ip >>> 16 & 0xff;
        int c = ip >>> 8 & 0xff;
        int d = ip & 0xff;
        String rdns;
        switch (r.nextInt(6)) {
            case 0:
                rdns = "c-" + a + "-" + b + "-" + c + "-" + d + ".hsd1." + Words.pick(r, STATES) + ".comcast.net";
                break;
            case 1:
                rdns = "cpe-" + a + "-" + b + "-" + c + "-" + d + "." + Words.pick(r, RR_REGIONS) + ".res.rr.com";
                break;
            case 2:
                rdns = "host" + d + "-" + c + "-" + b + "-" + a + ".range" + a + "-" + b + ".btcentralplus.com";
                break;
            default:
                rdns = null;
                break;
        }
        peer.set(rdns, Words.pick(r, Words.DESKTOP_HELOS), ip);
    }

    private static final String[] STATES = {"ca", "fl", "tx", "il", "pa", "ga", "wa", "co", "ma", "nj"};
    private static final String[] RR_REGIONS = {"socal", "nyc", "twcny", "carolina", "austin", "kc"};

    /** A spam bot: no reverse DNS most of the time, a made-up HELO. */
    private void botPeer(SplittableRandom r) {
        int ip = RemoteWorld.publicIp(r);
        String helo = r.nextInt(4) == 0 ? "[" + (ip >>> 24) + "." + (ip >>> 16 & 0xff) + "." + (ip >>> 8 & 0xff) + "."
                + (ip & 0xff) + "]" : Words.pick(r, Words.BOT_HELOS);
        String rdns = r.nextInt(10) < 6 ? null
                : "static-" + (ip >>> 24) + "-" + (ip >>> 16 & 0xff) + "-" + (ip >>> 8 & 0xff) + "-" + (ip & 0xff)
                        + ".isp" + r.nextInt(90) + ".net";
        peer.set(rdns, helo, ip);
    }

    static void score(LogWriter w, int tenths) {
        if (tenths < 0) {
            w.append('-');
            tenths = -tenths;
        }
        w.append(tenths / 10).append('.').append(tenths % 10);
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static String hexId(SplittableRandom r, int n) {
        char[] c = new char[n];
        long bits = r.nextLong();
        for (int i = 0; i < n; i++) {
            if ((i & 15) == 0 && i > 0) {
                bits = r.nextLong();
            }
            c[i] = HEX[(int) (bits >>> ((i & 15) * 4)) & 15];
        }
        return new String(c);
    }

    private static String clientMessageId(SplittableRandom r, String domain) {
        switch (r.nextInt(3)) {
            case 0: // Thunderbird, Apple Mail
                return hexId(r, 8) + "-" + hexId(r, 4) + "-" + hexId(r, 4) + "-" + hexId(r, 4) + "-" + hexId(r, 12)
                        + "@" + domain;
            case 1: // Outlook for Windows
                return "000" + hexId(r, 1) + "01d" + hexId(r, 3) + "$" + hexId(r, 8) + "$" + hexId(r, 8) + "$@" + domain;
            default:
                return hexId(r, 16) + "." + hexId(r, 8) + "@" + domain;
        }
    }

    private static String remoteMessageId(SplittableRandom r, RemoteWorld.RemoteDomain d, String from) {
        switch (d.provider) {
            case GOOGLE:
                return "CA" + hexId(r, 24) + "@mail.gmail.com";
            case MICROSOFT:
                return hexId(r, 20).toUpperCase() + "@" + "DB9PR04MB" + (1000 + r.nextInt(9000))
                        + ".eurprd04.prod.outlook.com";
            case YAHOO:
                return (1_000_000_000L + (r.nextLong() & 0x3fffffffL)) + "." + r.nextInt(1_000_000) + "@mail.yahoo.com";
            case APPLE:
                return hexId(r, 8).toUpperCase() + "-" + hexId(r, 4).toUpperCase() + "@icloud.com";
            default:
                return hexId(r, 12) + "." + hexId(r, 6) + "@" + from.substring(from.indexOf('@') + 1);
        }
    }
}
