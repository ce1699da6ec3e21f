package dev.waybill.sample;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Internet outside the server: mailbox providers and businesses with their MX hosts, the
 * way each answers in SMTP, and the hosts that send mail in.
 *
 * <p>Replies imitate what the big providers really say (Gmail's multi-line {@code 550-5.1.1},
 * Microsoft's {@code 250 2.6.0 ... Queued mail for delivery}, Yahoo's {@code 250 ok dirdel},
 * Postfix's {@code queued as}); they are written straight into the log buffer.
 */
final class RemoteWorld {

    enum Provider { GOOGLE, MICROSOFT, YAHOO, APPLE, POSTFIX, EXIM }

    /** How a domain's MX hosts behave over the whole log. */
    enum Health {
        /** Accepts mail. */
        OK,
        /** Greylists: the first attempt of every message gets a 451, the next one passes. */
        GREYLIST,
        /** Sometimes times out; a later attempt passes. */
        FLAKY,
        /** Went down shortly before the log starts: every attempt times out for days. */
        DEAD_RECENT,
        /** Down for longer than the retry rule's 4 days: the first timeout fails the address. */
        DEAD_LONG,
        /** The domain does not exist: Exim fails it at routing. */
        UNROUTEABLE
    }

    static final class Mx {
        final String name;
        final int[] ips;
        /** {@code X=... CV=...} as Exim logs the TLS session, or null for plain SMTP. */
        final String tls;

        Mx(String name, int[] ips, String tls) {
            this.name = name;
            this.ips = ips;
            this.tls = tls;
        }
    }

    static final class RemoteDomain {
        final String name;
        final Provider provider;
        final Health health;
        final Mx[] mx;
        /** The address the domain's own server sends from, when it runs one. */
        final int ownIp;
        /** A mailbox provider for the public, rather than a business. */
        final boolean freemail;
        /**
         * Exim's retry record for the domain's host (retry hints are kept per host, so one dead
         * host defers every message to it): when it first failed, 0 when it has no record, and
         * when the next real attempt is allowed.
         */
        long retryFirstFail;
        long retryNext;

        RemoteDomain(String name, Provider provider, Health health, Mx[] mx, int ownIp,
                boolean freemail) {
            this.name = name;
            this.provider = provider;
            this.health = health;
            this.mx = mx;
            this.ownIp = ownIp;
            this.freemail = freemail;
        }
    }

    private static final String TLS13 = "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes";
    private static final String TLS13_128 = "X=TLS1.3:TLS_AES_128_GCM_SHA256:128 CV=yes";
    private static final String TLS12 = "X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes";
    private static final String TLS12_SELF = "X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no";

    private static final String[] GOOGLE_SENDER_PREFIX = {
        "ed1", "ej1", "wr1", "wm1", "lf1", "lj1", "pj1", "pl1", "oi1", "ot1", "yb1", "yw1",
        "qk1", "qt1", "vk1", "io1", "il1", "pf1", "pg1", "ua1",
    };
    private static final String[] MS_REGIONS = {
        "db8eur05", "am0eur02", "vi1eur04", "he1eur01", "dm6nam10", "bn8nam12", "sn1nam02",
        "co1nam11", "mw2nam12", "bn7nam10", "sy4aus01", "ma1ind01",
    };
    private static final String[] YAHOO_SITES = {"ne1", "bf2", "gq1"};

    private final Map<String, RemoteDomain> byName = new HashMap<>();
    private final List<RemoteDomain> freemail = new ArrayList<>();
    private final List<Integer> weights = new ArrayList<>();
    private final int[] freemailWeights;
    private final List<RemoteDomain> business = new ArrayList<>();
    private final List<RemoteDomain> typos = new ArrayList<>();
    private final RemoteDomain mailchimp;
    private final RemoteDomain amazonses;
    /** This server's own public address, which remote servers quote back in their replies. */
    final int serverIp;

    RemoteWorld(SplittableRandom r, int businessCount) {
        serverIp = publicIp(r);
        Mx[] gmail = {
            mx("gmail-smtp-in.l.google.com", r, GOOGLE_NETS, TLS13),
            mx("alt1.gmail-smtp-in.l.google.com", r, GOOGLE_NETS, TLS13),
            mx("alt2.gmail-smtp-in.l.google.com", r, GOOGLE_NETS, TLS13),
        };
        freemail("gmail.com", Provider.GOOGLE, gmail, 40);
        freemail("googlemail.com", Provider.GOOGLE, gmail, 1);
        freemail("hotmail.com", Provider.MICROSOFT,
                new Mx[] {mx("hotmail-com.olc.protection.outlook.com", r, MS_NETS, TLS12)}, 9);
        freemail("outlook.com", Provider.MICROSOFT,
                new Mx[] {mx("outlook-com.olc.protection.outlook.com", r, MS_NETS, TLS12)}, 7);
        freemail("live.com", Provider.MICROSOFT,
                new Mx[] {mx("live-com.olc.protection.outlook.com", r, MS_NETS, TLS12)}, 2);
        Mx[] yahoo = {
            mx("mta5.am0.yahoodns.net", r, YAHOO_NETS, TLS13_128),
            mx("mta6.am0.yahoodns.net", r, YAHOO_NETS, TLS13_128),
            mx("mta7.am0.yahoodns.net", r, YAHOO_NETS, TLS13_128),
        };
        freemail("yahoo.com", Provider.YAHOO, yahoo, 10);
        freemail("ymail.com", Provider.YAHOO, yahoo, 1);
        freemail("aol.com", Provider.YAHOO,
                new Mx[] {mx("mx-aol.mail.gm0.yahoodns.net", r, YAHOO_NETS, TLS13_128)}, 3);
        Mx[] icloud = {
            mx("mx01.mail.icloud.com", r, APPLE_NETS, TLS12),
            mx("mx02.mail.icloud.com", r, APPLE_NETS, TLS12),
        };
        freemail("icloud.com", Provider.APPLE, icloud, 4);
        freemail("me.com", Provider.APPLE, icloud, 1);
        String[] isps = {"comcast.net", "btinternet.com", "gmx.de", "web.de", "orange.fr",
            "shaw.ca", "bigpond.com", "t-online.de", "libero.it", "free.fr", "optusnet.com.au"};
        for (String isp : isps) {
            freemail(isp, Provider.POSTFIX, new Mx[] {
                mx("mx1." + isp, r, null, TLS13), mx("mx2." + isp, r, null, TLS13)}, 1);
        }
        freemailWeights = new int[freemail.size()];
        int sum = 0;
        for (int i = 0; i < freemail.size(); i++) {
            sum += weights.get(i);
            freemailWeights[i] = sum;
        }

        for (int i = 0; i < businessCount; i++) {
            business.add(newBusiness(r));
        }
        for (String t : new String[] {"gmail.con", "yahoo.comm", "hotmial.cmo", "gmail.c0m",
            "nosuch.invalid"}) {
            RemoteDomain d = new RemoteDomain(t, Provider.POSTFIX, Health.UNROUTEABLE, new Mx[0], 0,
                    false);
            typos.add(d);
            byName.put(t, d);
        }
        mailchimp = new RemoteDomain("mcdlv.net", Provider.POSTFIX, Health.OK,
                new Mx[] {mx("mx.mcdlv.net", r, null, TLS13)}, 0, false);
        amazonses = new RemoteDomain("amazonses.com", Provider.POSTFIX, Health.OK,
                new Mx[] {mx("feedback-smtp.us-east-1.amazonses.com", r, null, TLS13)}, 0, false);
        byName.put(mailchimp.name, mailchimp);
        byName.put(amazonses.name, amazonses);
    }

    private void freemail(String name, Provider p, Mx[] mx, int weight) {
        int ownIp = p == Provider.POSTFIX ? mx[0].ips[0] : 0;
        RemoteDomain d = new RemoteDomain(name, p, Health.OK, mx, ownIp, true);
        freemail.add(d);
        weights.add(weight);
        byName.put(name, d);
    }

    private RemoteDomain newBusiness(SplittableRandom r) {
        String name;
        do {
            name = Words.pick(r, Words.BIZ_A) + Words.pick(r, Words.BIZ_B)
                    + (r.nextInt(3) == 0 ? Words.pick(r, Words.LAST) : "")
                    + Words.pick(r, Words.REMOTE_TLDS);
        } while (byName.containsKey(name));
        int p = r.nextInt(100);
        Provider provider = p < 30 ? Provider.GOOGLE : p < 65 ? Provider.MICROSOFT
                : p < 82 ? Provider.POSTFIX : Provider.EXIM;
        Health health = Health.OK;
        int h = r.nextInt(1000);
        if (provider == Provider.POSTFIX || provider == Provider.EXIM) {
            health = h < 120 ? Health.GREYLIST : h < 200 ? Health.FLAKY : h < 225 ? Health.DEAD_LONG
                    : h < 235 ? Health.DEAD_RECENT : Health.OK;
        }
        Mx[] mx;
        switch (provider) {
            case GOOGLE:
                mx = new Mx[] {mx("aspmx.l.google.com", r, GOOGLE_NETS, TLS13),
                    mx("alt1.aspmx.l.google.com", r, GOOGLE_NETS, TLS13)};
                break;
            case MICROSOFT:
                mx = new Mx[] {mx(name.replace('.', '-') + ".mail.protection.outlook.com", r,
                        MS_NETS, TLS12)};
                break;
            default:
                int t = r.nextInt(10);
                String tls = t < 6 ? TLS13 : t < 8 ? TLS12_SELF : t < 9 ? TLS12 : null;
                mx = new Mx[] {mx((r.nextBoolean() ? "mail." : "mx.") + name, r, null, tls)};
                break;
        }
        RemoteDomain d = new RemoteDomain(name, provider, health, mx, mx[0].ips[0], false);
        byName.put(name, d);
        return d;
    }

    // First two octets of the networks each provider's MX and outbound hosts live in.
    private static final int[][] GOOGLE_NETS = {{142, 250}, {142, 251}, {172, 253}, {74, 125},
        {64, 233}, {173, 194}, {209, 85}};
    private static final int[][] MS_NETS = {{52, 101}, {104, 47}, {40, 93}, {52, 100}};
    private static final int[][] YAHOO_NETS = {{67, 195}, {98, 136}, {74, 6}};
    private static final int[][] APPLE_NETS = {{17, 57}, {17, 42}};

    private static Mx mx(String name, SplittableRandom r, int[][] nets, String tls) {
        int n = nets == null ? 1 : 4;
        int[] ips = new int[n];
        for (int i = 0; i < n; i++) {
            ips[i] = nets == null ? publicIp(r) : ipIn(r, nets[r.nextInt(nets.length)]);
        }
        return new Mx(name, ips, tls);
    }

    static int ipIn(SplittableRandom r, int[] net) {
        return net[0] << 24 | net[1] << 16 | r.nextInt(256) << 8 | (1 + r.nextInt(254));
    }

    /** A random address outside private, loopback, multicast and documentation ranges. */
    static int publicIp(SplittableRandom r) {
        while (true) {
            int a = 1 + r.nextInt(223);
            if (a == 10 || a == 127 || a == 100 || a == 169 || a == 172 || a == 192 || a == 198
                    || a == 203) {
                continue;
            }
            return a << 24 | r.nextInt(256) << 16 | r.nextInt(256) << 8 | (1 + r.nextInt(254));
        }
    }

    /**
     * Gives the recently dead hosts retry records that start before the log does: they failed
     * up to two days before {@code startMillis}.
     */
    void primeRetryRecords(long startMillis, SplittableRandom r) {
        for (RemoteDomain d : business) {
            if (d.health == Health.DEAD_RECENT) {
                d.retryFirstFail = startMillis - (long) (r.nextDouble() * 2 * 86_400_000L);
                d.retryNext = startMillis + r.nextInt(15 * 60_000);
            }
        }
    }

    RemoteDomain domainOf(String name) {
        RemoteDomain d = byName.get(name);
        if (d == null) {
            throw new IllegalStateException("unknown remote domain " + name);
        }
        return d;
    }

    RemoteDomain pickFreemail(SplittableRandom r) {
        int x = r.nextInt(freemailWeights[freemailWeights.length - 1]);
        for (int i = 0; i < freemailWeights.length; i++) {
            if (x < freemailWeights[i]) {
                return freemail.get(i);
            }
        }
        return freemail.get(0);
    }

    RemoteDomain pickBusiness(SplittableRandom r) {
        // A few correspondents get most of the mail: square the uniform draw.
        double u = r.nextDouble();
        return business.get((int) (u * u * business.size()));
    }

    /** A domain that outgoing mail is addressed to: mostly freemail, many businesses, rare typos. */
    RemoteDomain pickRecipientDomain(SplittableRandom r) {
        int x = r.nextInt(1000);
        if (x < 8) {
            return typos.get(r.nextInt(typos.size()));
        }
        return x < 560 ? pickFreemail(r) : pickBusiness(r);
    }

    String freemailAddress(SplittableRandom r) {
        RemoteDomain d = pickFreemail(r);
        return personAddress(r, d);
    }

    static String personAddress(SplittableRandom r, RemoteDomain d) {
        String lp;
        if (d.freemail) {
            // Free mailboxes: first.last, initials, numbers.
            String f = Words.pick(r, Words.FIRST);
            switch (r.nextInt(4)) {
                case 0:
                    lp = f + "." + Words.pick(r, Words.LAST);
                    break;
                case 1:
                    lp = f + Words.pick(r, Words.LAST) + (1950 + r.nextInt(60));
                    break;
                case 2:
                    lp = f.charAt(0) + Words.pick(r, Words.LAST) + r.nextInt(100);
                    break;
                default:
                    lp = f + "_" + Words.pick(r, Words.LAST).substring(0, 3) + r.nextInt(1000);
                    break;
            }
        } else if (r.nextInt(4) == 0) {
            lp = Words.pick(r, Words.ROLES);
        } else {
            lp = HostingServer.personLocalPart(r);
        }
        return lp + "@" + d.name;
    }

    RemoteDomain mailchimp() {
        return mailchimp;
    }

    RemoteDomain amazonses() {
        return amazonses;
    }

    // ---- what the hosts say -------------------------------------------------------------------

    /** Writes the reply to a successful delivery, the inside of {@code C="..."}. */
    static void okReply(LogWriter w, RemoteDomain d, SplittableRandom r, long nowMillis, Message m,
            int idWidth) {
        switch (d.provider) {
            case GOOGLE:
                w.append("250 2.0.0 OK  ").append(nowMillis / 1000).append(' ');
                hex(w, r, 13);
                w.append('-');
                hex(w, r, 11);
                w.append("si");
                w.append(1000000 + r.nextInt(9000000));
                w.append(Words.pick(r, GOOGLE_TAILS)).append('.').append(1 + r.nextInt(600));
                w.append(" - gsmtp");
                break;
            case MICROSOFT:
                w.append("250 2.6.0 <").append(m.messageIdHeader).append("> [InternalId=")
                        .append(10000000000000L + (r.nextLong() & 0xffffffffffL))
                        .append(", Hostname=");
                msHost(w, r);
                w.append("] ").append(m.size + 2000 + r.nextInt(3000)).append(" bytes in 0.")
                        .appendPadded(r.nextInt(1000), 3).append(", ").append(10 + r.nextInt(900))
                        .append('.').appendPadded(r.nextInt(1000), 3)
                        .append(" KB/sec Queued mail for delivery");
                break;
            case YAHOO:
                w.append("250 ok dirdel");
                break;
            case EXIM:
                w.append("250 OK id=").append(MessageIds.make(idWidth, nowMillis / 1000,
                        r.nextInt(4_000_000), r.nextInt(1_000_000)));
                break;
            default:
                w.append("250 2.0.0 Ok: queued as ");
                base62(w, r, 12);
                break;
        }
    }

    private static final String[] GOOGLE_TAILS = {"qkb", "ejb", "wrb", "pfb", "qtb", "ljb", "oib"};

    /** Writes the reply refusing an unknown recipient (after {@code RCPT TO}). */
    static void userUnknownReply(LogWriter w, RemoteDomain d, String address, SplittableRandom r) {
        switch (d.provider) {
            case GOOGLE:
                w.appendPrintable("550-5.1.1 The email account that you tried to reach does not"
                        + " exist. Please try\n550-5.1.1 double-checking the recipient's email"
                        + " address for typos or\n550-5.1.1 unnecessary spaces. For more"
                        + " information, go to\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser ");
                hex(w, r, 12);
                w.append("si").append(1000000 + r.nextInt(9000000)).append("qkb - gsmtp");
                break;
            case MICROSOFT:
                if (d.mx[0].name.endsWith(".olc.protection.outlook.com")) {
                    w.append("550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [");
                } else {
                    w.append("550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [");
                }
                msHost(w, r);
                w.append(']');
                break;
            case YAHOO:
                w.append("554 delivery error: dd This user doesn't have a ").append(d.name)
                        .append(" account (").append(address).append(") [0] - mta")
                        .append(1000 + r.nextInt(9000)).append(".mail.").append(Words.pick(r, YAHOO_SITES))
                        .append(".yahoo.com");
                break;
            case APPLE:
                w.append("550 5.1.1 <").append(address).append(">: user does not exist");
                break;
            case EXIM:
                w.append("550 ").append(HostingServer.FAIL_TEXT);
                break;
            default:
                w.append("550 5.1.1 <").append(address)
                        .append(">: Recipient address rejected: User unknown in virtual mailbox table");
                break;
        }
    }

    /** Writes the reply refusing a message as spam, after end of data. */
    static void spamReply(LogWriter w, RemoteDomain d, int serverIp, SplittableRandom r) {
        if (d.provider == Provider.GOOGLE) {
            w.append("550-5.7.1 [").appendIp(serverIp).append("      12] Gmail has detected that this message is likely")
                    .appendPrintable("\n550-5.7.1 unsolicited mail. To reduce the amount of spam sent to Gmail, this"
                            + "\n550-5.7.1 message has been blocked. For more information, go to"
                            + "\n550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError ");
            hex(w, r, 12);
            w.append("si").append(1000000 + r.nextInt(9000000)).append("ejb - gsmtp");
        } else {
            w.append("550 5.7.1 Message rejected as spam by Content Filtering.");
        }
    }

    /**
     * The errno Exim puts in {@code defer (...)} for {@link #temporaryRefusal}: -44 after RCPT,
     * -45 after MAIL, -46 after DATA.
     */
    static int temporaryErrno(RemoteDomain d) {
        switch (d.provider) {
            case GOOGLE:
                return -46;
            case MICROSOFT:
            case YAHOO:
                return -45;
            default:
                return -44;
        }
    }

    /** Writes {@code SMTP error from remote mail server after <stage>: <reply>} of a temporary refusal. */
    static void temporaryRefusal(LogWriter w, RemoteDomain d, Message m, String address, int serverIp,
            SplittableRandom r) {
        switch (d.provider) {
            case GOOGLE:
                w.append("SMTP error from remote mail server after end of data: 421-4.7.28 [")
                        .appendIp(serverIp).append("      15] Gmail has detected an unusual rate of unsolicited mail")
                        .appendPrintable("\n421-4.7.28 originating from your IP address. To protect our users from"
                                + " spam,\n421-4.7.28 mail sent from your IP address has been temporarily"
                                + " rate limited.\n421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError ");
                hex(w, r, 12);
                w.append("si").append(1000000 + r.nextInt(9000000)).append("wrb - gsmtp");
                return;
            case MICROSOFT:
                w.append("SMTP error from remote mail server after MAIL FROM:<").append(m.sender)
                        .append("> SIZE=").append(m.size + 1200).append(": 451 4.7.500 Server busy. Please try again later from [")
                        .appendIp(serverIp).append("]. (S77714) [");
                msHost(w, r);
                w.append(']');
                return;
            case YAHOO:
                w.append("SMTP error from remote mail server after MAIL FROM:<").append(m.sender)
                        .append("> SIZE=").append(m.size + 1200).append(": 421 4.7.0 [TSS04] Messages from ")
                        .appendIp(serverIp).append(" temporarily deferred due to unexpected volume or user"
                                + " complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes");
                return;
            case EXIM:
                w.append("SMTP error from remote mail server after RCPT TO:<").append(address)
                        .append(">: 451 4.7.1 Greylisted, please try again later");
                return;
            default:
                w.append("SMTP error from remote mail server after RCPT TO:<").append(address)
                        .append(">: 451 4.7.1 <").append(address)
                        .append(">: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/")
                        .append(d.name).append(".html");
                return;
        }
    }

    private static void msHost(LogWriter w, SplittableRandom r) {
        w.append(Words.pick(r, MS_HOST_PREFIX)).append("PR").append(r.nextInt(10)).append(r.nextInt(10))
                .append("MB").append(1000 + r.nextInt(9000)).append('.')
                .append(Words.pick(r, MS_HOST_SUFFIX)).append(".prod.outlook.com");
    }

    private static final String[] MS_HOST_PREFIX = {"DB9", "AM7", "VI1", "PA4", "SN6", "BY5", "CH2", "MW4"};
    private static final String[] MS_HOST_SUFFIX = {"eurprd04", "eurprd08", "namprd02", "namprd11",
        "namprd16", "ausprd01"};

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static void hex(LogWriter w, SplittableRandom r, int n) {
        long bits = r.nextLong();
        for (int i = 0; i < n; i++) {
            if (i == 16) {
                bits = r.nextLong();
            }
            w.append(HEX[(int) (bits >>> ((i & 15) * 4)) & 15]);
        }
    }

    static void base62(LogWriter w, SplittableRandom r, int n) {
        for (int i = 0; i < n; i++) {
            w.append(MessageIds.BASE62.charAt(r.nextInt(62)));
        }
    }

    // ---- hosts that send mail in ---------------------------------------------------------------

    /**
     * A remote server connecting to deliver mail from {@code d}: fills the reverse DNS name, HELO
     * name and address into {@code into}. Mailchimp's and Amazon SES's own hosts stand in for
     * newsletter senders.
     */
    void senderHost(RemoteDomain d, SplittableRandom r, SmtpPeer into) {
        if (d == amazonses) {
            String n = "a8-" + (1 + r.nextInt(250)) + ".smtp-out.amazonses.com";
            into.set(n, n, ipIn(r, new int[] {54, 240}));
            return;
        }
        if (d == mailchimp) {
            String n = "mail" + (100 + r.nextInt(150)) + ".suw1" + (1 + r.nextInt(9)) + ".mcdlv.net";
            into.set(n, n, ipIn(r, new int[] {198, 2}));
            return;
        }
        switch (d.provider) {
            case GOOGLE: {
                String n = "mail-" + Words.pick(r, GOOGLE_SENDER_PREFIX) + "-f" + (1 + r.nextInt(200))
                        + ".google.com";
                into.set(n, n, ipIn(r, new int[] {209, 85}));
                break;
            }
            case MICROSOFT: {
                String region = Words.pick(r, MS_REGIONS);
                String n = "mail-" + region + "on2" + (48 + r.nextInt(90)) + ".outbound.protection.outlook.com";
                // mail-db8eur05on2048... says HELO EUR05-DB8-obe.outbound.protection.outlook.com
                String helo = region.substring(3).toUpperCase() + "-" + region.substring(0, 3).toUpperCase()
                        + "-obe.outbound.protection.outlook.com";
                into.set(n, helo, ipIn(r, new int[] {40, 107}));
                break;
            }
            case YAHOO: {
                String n = "sonic" + (300 + r.nextInt(31)) + "-" + (1 + r.nextInt(60)) + ".consmr.mail."
                        + Words.pick(r, YAHOO_SITES) + ".yahoo.com";
                into.set(n, n, ipIn(r, new int[] {66, 163}));
                break;
            }
            case APPLE: {
                String n = "st43p00im-ztfb" + (10000000 + r.nextInt(90000000)) + ".me.com";
                into.set(n, n, ipIn(r, new int[] {17, 58}));
                break;
            }
            default: {
                String n = (d.freemail ? "mout." : "mail.") + d.name;
                into.set(n, n, d.ownIp);
                break;
            }
        }
    }
}
