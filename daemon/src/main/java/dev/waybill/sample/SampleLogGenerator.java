package dev.waybill.sample;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Writes a synthetic Exim main log of any size, as a busy cPanel shared-hosting server would
 * (Exim with cPanel's {@code log_selector = +incoming_port +smtp_connection +all_parents
 * +retry_defer +subject +arguments +received_recipients}), and, on request, a fake cPanel root
 * whose account files agree with it.
 *
 * <p>The log comes from a discrete-event simulation (see {@link Simulation}): SMTP sessions and
 * local submissions arrive at a rate that follows the hour of day and scales with the number of
 * accounts (about one new session a second for 200 accounts); each message is a small state
 * machine that is delivered, deferred and retried by the queue runner every 15 minutes,
 * bounced, or frozen. Many messages are in flight at once, so their lines interleave and spread
 * over seconds, minutes or days, while the timestamps stay in order. The same seed always gives
 * the same bytes. Memory depends on the traffic in flight, never on the number of lines.
 *
 * <h2>What arrives (share of new sessions)</h2>
 * <ul>
 *   <li>35.0% mail from other servers to local users (Gmail, Microsoft, Yahoo, iCloud, ISPs,
 *       businesses, Mailchimp and Amazon SES newsletters): {@code P=esmtps}, cPanel's per-user
 *       SpamAssassin warning, delivery to {@code virtual_user}/{@code dovecot_virtual_delivery}
 *       ({@code => bob <bob@dom>}), through forwarders ({@code (parent)} chains, fan-out,
 *       {@code :blackhole:}), or on to a free-mail address; unknown local parts refused at RCPT
 *       time ({@code No Such User Here}).</li>
 *   <li>19.0% authenticated submissions from mail clients ({@code P=esmtpsa A=dovecot_login:...},
 *       preceded by cPanel's {@code Sender identification} and, for four accounts in five, the
 *       {@code OUTGOING smtp message as NOT spam} warning), one to ten recipients, mostly remote;
 *       6.0% webmail ({@code H=localhost}, {@code P=esmtpa}); 0.3% newsletter runs of 20 to 150
 *       messages in one connection.</li>
 *   <li>8.0% local submissions by website scripts ({@code cwd=/home/user/public_html ...},
 *       {@code U=cpuser P=local}), often from a sender that is not a mailbox.</li>
 *   <li>5.0% spam from bots: scored as spam, some {@code rejected after DATA}, the rest
 *       delivered; forwarded copies refused by Gmail bounce to the forged sender and freeze.</li>
 *   <li>25.7% connections that deliver nothing: dictionary attacks ({@code rejected RCPT}),
 *       RBL hits, invalid HELO ({@code rejected MAIL}, {@code closed by DROP in ACL}), password
 *       guessing ({@code dovecot_login authenticator failed}, {@code lost D=}), TLS handshake
 *       errors, failed sender verification.</li>
 * </ul>
 *
 * <h2>What happens to remote recipients</h2>
 * Most are delivered at the first attempt ({@code =>}, then {@code ->} for further recipients
 * in the same SMTP transaction, with {@code X=} and {@code CV=yes} and the provider's real-looking
 * {@code C="250 ..."}). About 3% (6% in newsletter runs) are unknown to the remote server
 * ({@code ** ... 550 5.1.1 ...}) and about 1% of free-mail-bound recipients go to misspelt,
 * unrouteable domains ({@code ** x@gmail.con: Unrouteable address}); both bounce
 * ({@code <= <> R=<id> U=mailnull P=local}), and the bounce is delivered. Of the business domains
 * that run their own mail server, about 12% greylist ({@code defer (-44) ... 451 4.7.1}, delivered
 * at the next queue run), 8% time out now and then ({@code defer (110): Connection timed out},
 * then {@code defer (-53): retry time not reached for any host} until the retry time), 2.5% have
 * been down for more than four days ({@code ** ...: retry timeout exceeded} at once) and 1% went
 * down shortly before the log starts (deferred at every queue run, given up four days after the
 * first failure). The big providers sometimes rate-limit ({@code 421}/{@code 451}, delivered
 * later). {@code Completed} carries {@code QT=} when the message waited in the queue.
 *
 * <h2>Resulting line mix</h2>
 * Measured on the default log of 1,000,000 lines (seed 1, 200 accounts, 30.5 simulated hours,
 * 121,663 arrivals of which 4,185 bounces):
 * <table>
 *   <caption>Share of lines by kind</caption>
 *   <tr><td>14.3%</td><td>{@code =>} deliveries (6.4% local mailboxes, 8.4% remote, 0.2% blackhole)</td></tr>
 *   <tr><td>12.2%</td><td>{@code <=} arrivals</td></tr>
 *   <tr><td>12.1%</td><td>{@code Completed} (0.2% with {@code QT=})</td></tr>
 *   <tr><td>10.8%</td><td>{@code cwd=/var/spool/exim 3 args: /usr/sbin/exim -Mc <id>}</td></tr>
 *   <tr><td>10.7%</td><td>{@code SMTP connection from [ip]:port (TCP/IP connection count = N)}</td></tr>
 *   <tr><td>10.5%</td><td>connection ends: {@code closed by QUIT} 8.7%, {@code lost D=} 1.6%,
 *       {@code closed by DROP in ACL} 0.2%</td></tr>
 *   <tr><td>8.2%</td><td>SpamAssassin warnings (outgoing and per-user incoming)</td></tr>
 *   <tr><td>6.6%</td><td>{@code rejected RCPT} (no message id)</td></tr>
 *   <tr><td>6.1%</td><td>{@code Sender identification}</td></tr>
 *   <tr><td>3.3%</td><td>{@code no host name found for IP address}</td></tr>
 *   <tr><td>1.6%</td><td>{@code dovecot_login authenticator failed}</td></tr>
 *   <tr><td>0.9%</td><td>{@code cwd=/home/user/public_html 3 args: /usr/sbin/sendmail -t -i}</td></tr>
 *   <tr><td>0.66%</td><td>{@code ->} further recipients</td></tr>
 *   <tr><td>0.65%</td><td>{@code ==} deferrals (plus 0.06% {@code H=... Connection timed out})</td></tr>
 *   <tr><td>0.46%</td><td>{@code **} failures</td></tr>
 *   <tr><td>0.6%</td><td>{@code rejected MAIL}, {@code rejected after DATA}, {@code sender verify fail},
 *       {@code TLS error}</td></tr>
 *   <tr><td>0.05%</td><td>queue runs ({@code cwd=... -q}, {@code Start queue run}, {@code End queue run}),
 *       {@code Frozen (delivery error message)} (202), the daemon's start line</td></tr>
 * </table>
 * At the end 59 messages are left deferred and 202 bounces frozen.
 *
 * <p>When the requested number of lines is reached, nothing new arrives; what is under way
 * finishes, so the log ends a few dozen lines later. Messages waiting in the queue at that
 * point stay deferred, and frozen bounces stay frozen, as on a real server.
 */
public final class SampleLogGenerator {

    /**
     * What to generate.
     *
     * @param lines       stop after about this many lines (the log ends once work under way finishes)
     * @param idWidth     16 for Exim before 4.97 ({@code 1RwtJa-0009RI-07}), 23 for 4.97 and later
     * @param seed        the same seed and options always give the same log
     * @param startMillis time of the first line, epoch milliseconds; printed as UTC wall-clock time
     * @param accounts    number of cPanel accounts on the server
     */
    public record Options(long lines, int idWidth, long seed, long startMillis, int accounts) {

        public static final long DEFAULT_LINES = 100_000;
        public static final int DEFAULT_ID_WIDTH = 23;
        public static final long DEFAULT_SEED = 1;
        public static final String DEFAULT_START = "2025-03-03 06:00:00";
        public static final int DEFAULT_ACCOUNTS = 200;
        public static final int MAX_ACCOUNTS = 100_000;
        /** 2100-01-01 00:00:00 UTC: logs start before it (message ids need a time after 1970). */
        static final long LATEST_START = 4_102_444_800_000L;

        /** Checks every option; the message names the one that is wrong. */
        public Options {
            if (lines < 1) {
                throw new IllegalArgumentException("--lines must be at least 1, got " + lines);
            }
            if (idWidth != 16 && idWidth != 23) {
                throw new IllegalArgumentException("--ids must be 16 or 23, got " + idWidth);
            }
            if (startMillis < 0 || startMillis >= LATEST_START) {
                throw new IllegalArgumentException("--start must lie between 1970 and 2099");
            }
            if (accounts < 1 || accounts > MAX_ACCOUNTS) {
                throw new IllegalArgumentException("--accounts must be between 1 and " + MAX_ACCOUNTS
                        + ", got " + accounts);
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_LINES, DEFAULT_ID_WIDTH, DEFAULT_SEED, parseStart(DEFAULT_START),
                    DEFAULT_ACCOUNTS);
        }

        public Options withLines(long n) {
            return new Options(n, idWidth, seed, startMillis, accounts);
        }

        public Options withIdWidth(int w) {
            return new Options(lines, w, seed, startMillis, accounts);
        }

        public Options withSeed(long s) {
            return new Options(lines, idWidth, s, startMillis, accounts);
        }

        public Options withStartMillis(long t) {
            return new Options(lines, idWidth, seed, t, accounts);
        }

        public Options withAccounts(int n) {
            return new Options(lines, idWidth, seed, startMillis, n);
        }

        /**
         * Parses {@code YYYY-MM-DD HH:MM:SS} (read as UTC).
         *
         * @throws IllegalArgumentException naming {@code --start} when the text is not such a time
         */
        public static long parseStart(String text) {
            try {
                return LocalDateTime.parse(text.trim().replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("--start must look like \"2025-03-03 06:00:00\", got '"
                        + text + "'", e);
            }
        }
    }

    /** Counts from one run, for the command's summary and for tests. */
    public record Result(long lines, long bytes, long arrivals, long completed, long bounces,
            long frozenBounces, long leftDeferred, long leftFrozen, long rejections, int peakInFlight,
            String hostname) {
    }

    private final Options options;

    public SampleLogGenerator(Options options) {
        this.options = options;
    }

    /** Writes the log to {@code out} (buffered internally; {@code out} is not closed). */
    public Result generate(OutputStream out) {
        Simulation sim = new Simulation(options, out);
        sim.run();
        return new Result(sim.log.lines(), sim.log.bytes(), sim.arrivals, sim.completed, sim.bounces,
                sim.frozenBounces, sim.leftDeferred, sim.leftFrozen, sim.rejections, sim.peakInFlight,
                sim.server.hostname);
    }

    /**
     * Writes the account files of the simulated server under {@code root} (standing for
     * {@code /}): the same accounts, domains and forwarders {@link #generate} uses for these
     * options, each account created ({@code STARTDATE}) days before the log's first line.
     */
    public void writeCpanelRoot(Path root) {
        new Simulation(options, OutputStream.nullOutputStream()).server.writeCpanelRoot(root,
                Math.floorDiv(options.startMillis(), 1000));
    }
}
