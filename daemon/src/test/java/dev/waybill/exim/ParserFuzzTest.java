package dev.waybill.exim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.outcome.MessageAssembler;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated lines through the parser and the assembler: nothing may throw, and the
 * parser's own safety net must never be needed ({@link LineParser#internalErrors()} stays 0).
 * Seeds are fixed so a failure reproduces; raise {@code -Dwaybill.fuzz.rounds} to search longer.
 */
class ParserFuzzTest {

    private static final int ROUNDS = Integer.getInteger("waybill.fuzz.rounds", 100_000);

    /** Real-shaped lines covering every event type. */
    private static final List<String> SEEDS = List.of(
            "2026-11-28 03:55:50 1xX9XS-0001jY-04 <= alice@example.com H=(laptop.example.com) [127.0.0.1]:56782 "
                    + "P=esmtpa A=dovecot_login:alice@example.com S=483 id=x@vm T=\"<b>\\\"hi\\\"\\303\\251\" "
                    + "for bob@example.com carol@example.net",
            "2024-03-01 10:00:02.123 +0100 [77] 1rAbcD-00000000AbC-0000 => bob (fwd@example.com) <chain@example.com> "
                    + "R=dkim_lookuphost T=dkim_remote_smtp H=mx.example.net (helo) [192.0.2.7]:25* "
                    + "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes K C=\"250 OK \\\"q\\\"\" QT=2s DT=1s",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 ** nobody@example.net R=dnslookup T=remote_smtp "
                    + "H=mx.example.net [198.51.100.7]:25: SMTP error from remote mail server after RCPT "
                    + "TO:<nobody@example.net>: 550 5.1.1 User unknown\\n550 more",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 == grey@example.net R=l T=t defer (-44) H=mx [198.51.100.7]: 451 later",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 == u@example.org routing defer (-51): retry time not reached",
            "2026-11-28 03:55:56 1xX9XY-0001oA-0W => :blackhole: <trash@example.com> R=virtual_aliases",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 => |/usr/bin/x --y (s@example.com) <s@example.com> R=v T=address_pipe",
            "2026-11-28 03:55:55 H=(mx.outside.test) [127.0.0.1]:39368 F=<stranger@outside.test> "
                    + "rejected RCPT <nosuch@example.com>: Unrouteable address",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 H=mail.example.org [198.51.100.2]:4000 F=<a@example.org> "
                    + "temporarily rejected after DATA: spam",
            "2026-11-28 03:55:50 1xX9XS-0001jY-04 H=(laptop) [127.0.0.1]:56782 Warning: \"SpamAssassin as "
                    + "cpaneleximscanner detected OUTGOING smtp message as NOT spam (0.4)\"",
            "2020-02-22 01:00:00 1j5F2a-0004Xb-Qa SA: Action: scanned but message isn't spam: score=-0.2 required=5.0",
            "2026-11-28 03:55:50 1xX9XS-0001jY-04 Sender identification U=exampleco D=example.com S=alice@example.com",
            "2026-11-28 03:55:56 1xX9XY-0001oJ-1L <= <> R=1xX9XY-0001oH-1K U=Debian-exim P=local S=1882 T=\"x\" for a@b",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 Completed QT=2s",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 removed by root",
            "2023-04-23 03:50:45 dovecot_login authenticator failed for (localhost) [46.148.40.143]:59474: 535 x",
            "2023-04-23 03:47:39 SMTP connection from (localhost) [127.0.0.1]:57766 closed by QUIT");

    private static final String ALPHABET = " =<>()[]\":*-\\@.0123456789aAzZ\t\u00e9RTHFCXPSAU";

    @Test
    void everyPrefixOfEverySeed_parsesWithoutError() {
        Harness h = new Harness();
        for (String seed : SEEDS) {
            for (int end = 0; end <= seed.length(); end++) {
                h.feed(seed.substring(0, end));
            }
        }
        h.check();
    }

    @Test
    void mutatedSeeds_parseWithoutError() {
        SplittableRandom rnd = new SplittableRandom(20261128L);
        Harness h = new Harness();
        for (int i = 0; i < ROUNDS; i++) {
            StringBuilder sb = new StringBuilder(SEEDS.get(rnd.nextInt(SEEDS.size())));
            int edits = 1 + rnd.nextInt(6);
            for (int e = 0; e < edits && sb.length() > 0; e++) {
                int at = rnd.nextInt(sb.length());
                switch (rnd.nextInt(4)) {
                    case 0 -> sb.deleteCharAt(at);
                    case 1 -> sb.insert(at, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                    case 2 -> sb.setCharAt(at, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                    default -> sb.setLength(at);
                }
            }
            h.feed(sb.toString());
        }
        h.check();
    }

    @Test
    void randomBytesBehindValidPrefixes_parseWithoutError() {
        SplittableRandom rnd = new SplittableRandom(42L);
        String[] prefixes = {"", "2024-03-01 10:00:02 ", "2024-03-01 10:00:02 1RwtJa-0009RI-07 ",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 => ", "2024-03-01 10:00:02 1RwtJa-0009RI-07 <= ",
            "2024-03-01 10:00:02 1RwtJa-0009RI-07 ** ", "2024-03-01 10:00:02 H=", "2024-03-01 10:00:02 [1.2.3.4] "};
        Harness h = new Harness();
        byte[] buf = new byte[300];
        for (int i = 0; i < ROUNDS / 2; i++) {
            int len = rnd.nextInt(buf.length);
            for (int k = 0; k < len; k++) {
                buf[k] = (byte) (rnd.nextBoolean() ? ALPHABET.charAt(rnd.nextInt(ALPHABET.length())) : rnd.nextInt(256));
            }
            h.feed(prefixes[rnd.nextInt(prefixes.length)] + new String(buf, 0, len, StandardCharsets.UTF_8));
        }
        h.check();
    }

    /** Parser plus assembler, counting lines, failing on anything thrown. */
    private static final class Harness {
        final LineParser parser = new LineParser(ZoneOffset.UTC);
        final MessageAssembler assembler = new MessageAssembler(CpanelAccounts.none(), 3600, 1000, o -> {
            assertNotNull(o.type());
        });
        long lines;

        void feed(String line) {
            ParsedLine p = parser.parse(line);
            assertNotNull(p.lineClass());
            assembler.accept(p);
            lines++;
        }

        void check() {
            assembler.finish();
            assertEquals(0, parser.internalErrors(), "lines on which a field parser threw, of " + lines);
        }
    }
}
