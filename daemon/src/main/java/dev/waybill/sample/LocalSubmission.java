package dev.waybill.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A message a website's script hands to {@code /usr/sbin/sendmail} (PHP's {@code mail()}):
 * Exim logs the command line ({@code +arguments}), then {@code <= ... U=cpuser P=local}, and
 * delivers it at once in the same process.
 *
 * <p>Scripts often send as an address that is not a mailbox ({@code wordpress@domain}); when
 * such a message fails, its bounce has nowhere to go and freezes, which is where most frozen
 * bounces on a shared server come from.
 */
final class LocalSubmission {

    /** Share of all arrivals, per mille. */
    static final int SHARE = 80;

    void start(Simulation sim) {
        SplittableRandom r = sim.rnd;
        HostingServer.Account a = sim.server.accounts.get(r.nextInt(sim.server.accounts.size()));
        HostingServer.Domain d = a.domains.get(r.nextInt(a.domains.size()));
        String sender = (r.nextInt(10) < 6 ? Words.pick(r, Words.SCRIPT_SENDERS)
                : d.mailboxes.get(r.nextInt(d.mailboxes.size()))) + "@" + d.name;

        List<Leg> legs = new ArrayList<>(2);
        List<String> rcpts = new ArrayList<>(2);
        int kind = r.nextInt(100);
        if (kind < 45 || kind >= 90) {
            String to = d.mailboxes.get(0) + "@" + d.name;
            rcpts.add(to);
            sim.server.route(to, null, d.mailboxes.get(0), d, sim.world, legs, 0);
        }
        if (kind >= 45) {
            RemoteWorld.RemoteDomain rd = r.nextInt(3) == 0 ? sim.world.pickBusiness(r) : sim.world.pickFreemail(r);
            String to = RemoteWorld.personAddress(r, rd);
            rcpts.add(to);
            Leg l = Leg.remote(to, null, to, rd);
            l.userUnknown = r.nextInt(100) < 4;
            legs.add(l);
        }

        int pid = sim.nextPid();
        byte[] id = sim.newId(pid);
        int size = 900 + r.nextInt(6000);
        String mid = SmtpSession.hexId(r, 32) + "@" + d.name;
        Message m = new Message(id, sender, null, size, mid, sim.now);
        m.senderLocalDomain = d;
        m.setLegs(legs);

        sim.line().append("cwd=/home/").append(a.user).append("/public_html 3 args: /usr/sbin/sendmail -t -i").end();
        LogWriter w = sim.line(id).append("<= ").append(sender).append(" U=").append(a.user)
                .append(" P=local S=").append(size).append(" id=").append(mid).append(" T=")
                .appendQuoted(sim.subject(Words.pick(r, Words.PHP_SUBJECTS), d)).append(" for");
        for (String to : rcpts) {
            w.append(' ').append(to);
        }
        w.end();
        sim.arrivals++;
        m.startAttempt(sim, sim.now + 1 + r.nextInt(40));
    }
}
