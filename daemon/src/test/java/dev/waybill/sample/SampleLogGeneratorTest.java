package dev.waybill.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.waybill.sample.SampleLogGenerator.Options;
import dev.waybill.sample.SampleLogGenerator.Result;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SampleLogGeneratorTest {

    static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ");
    static final Pattern ID16 = Pattern.compile("[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}");
    static final Pattern ID23 = Pattern.compile("[0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4}");
    /** A message line: timestamp, id of either width, then the rest. */
    static final Pattern MESSAGE_LINE = Pattern.compile(
            "^\\S+ \\S+ ([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) (\\S+)(?: (\\S+))?");

    static final Options BASE = Options.defaults().withLines(60_000).withSeed(42);
    static String[] log;
    static Result result;

    @BeforeAll
    static void generateOnce() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        result = new SampleLogGenerator(BASE).generate(out);
        log = out.toString(StandardCharsets.US_ASCII).split("\n");
    }

    static byte[] bytes(Options o) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SampleLogGenerator(o).generate(out);
        return out.toByteArray();
    }

    @Test
    void generate_sameSeed_sameBytes() {
        Options o = Options.defaults().withLines(20_000).withSeed(7);
        assertArrayEquals(bytes(o), bytes(o));
    }

    @Test
    void generate_otherSeed_otherLog() {
        Options o = Options.defaults().withLines(2_000);
        byte[] a = bytes(o.withSeed(1));
        byte[] b = bytes(o.withSeed(2));
        assertFalse(java.util.Arrays.equals(a, b), "two seeds gave the same log");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 500, 10_000, 150_000})
    void generate_lineCount_isNearTheRequest(long requested) {
        CountingStream out = new CountingStream();
        Result r = new SampleLogGenerator(Options.defaults().withLines(requested).withSeed(3)).generate(out);
        assertEquals(out.newlines, r.lines(), "Result.lines() disagrees with the bytes written");
        assertTrue(r.lines() >= requested, "asked for " + requested + ", got only " + r.lines());
        // What is under way when the limit is hit finishes: a few dozen lines, never many.
        assertTrue(r.lines() <= requested + 200, "asked for " + requested + ", got " + r.lines());
    }

    @Test
    void generate_timestamps_neverGoBackwards() {
        String previous = "";
        for (int i = 0; i < log.length; i++) {
            String line = log[i];
            assertTrue(TIMESTAMP.matcher(line).find(), "line " + (i + 1) + " has no timestamp: " + line);
            String ts = line.substring(0, 19);
            if (ts.compareTo(previous) < 0) {
                fail("line " + (i + 1) + " goes back in time: " + previous + " then " + line);
            }
            previous = ts;
        }
        assertTrue(log[0].startsWith("2025-03-03 06:00:00 "), log[0]);
    }

    @Test
    void generate_busyServer_linesOfOneMessageInterleaveAndSpreadOverTime() {
        // On a busy server other messages start while one is still being handled, and many
        // messages take longer than their arrival second to complete.
        Map<String, Integer> first = new HashMap<>();
        Map<String, Integer> last = new HashMap<>();
        int[] startsUpTo = new int[log.length + 1];
        Map<String, String> arrivedAt = new HashMap<>();
        int slow = 0;
        for (int i = 0; i < log.length; i++) {
            startsUpTo[i + 1] = startsUpTo[i];
            Matcher m = MESSAGE_LINE.matcher(log[i]);
            if (!m.find()) {
                continue;
            }
            String id = m.group(1);
            if (first.putIfAbsent(id, i) == null) {
                startsUpTo[i + 1]++;
            }
            last.put(id, i);
            if (m.group(2).equals("<=")) {
                arrivedAt.put(id, log[i].substring(0, 19));
            } else if (m.group(2).equals("Completed") && arrivedAt.containsKey(id)
                    && !arrivedAt.get(id).equals(log[i].substring(0, 19))) {
                slow++;
            }
        }
        int overlapped = 0;
        for (Map.Entry<String, Integer> e : first.entrySet()) {
            // another message's first line lies strictly between this one's first and last line
            if (startsUpTo[last.get(e.getKey())] - startsUpTo[e.getValue() + 1] > 0) {
                overlapped++;
            }
        }
        assertTrue(overlapped > first.size() / 5, "messages barely interleave: " + overlapped + " of " + first.size());
        assertTrue(slow > result.arrivals() / 10, "almost every message completes within its arrival second: " + slow);
    }

    @Test
    void generate_everyArrival_isCompletedOrDeliberatelyLeftDeferredOrFrozen() {
        Set<String> arrived = new LinkedHashSet<>();
        Set<String> completed = new HashSet<>();
        Set<String> frozen = new HashSet<>();
        Map<String, Set<String>> pending = new HashMap<>();
        for (String line : log) {
            Matcher m = MESSAGE_LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String id = m.group(1);
            String what = m.group(2);
            String address = m.group(3);
            switch (what) {
                case "<=":
                    assertTrue(arrived.add(id), "id arrives twice: " + line);
                    break;
                case "Completed":
                    assertTrue(arrived.contains(id), "completed before (or without) arriving: " + line);
                    assertTrue(completed.add(id), "completed twice: " + line);
                    frozen.remove(id);
                    break;
                case "Frozen":
                    frozen.add(id);
                    break;
                case "==":
                    pending.computeIfAbsent(id, k -> new HashSet<>()).add(address);
                    break;
                case "=>":
                case "->":
                case "**":
                    assertFalse(completed.contains(id), "delivery after Completed: " + line);
                    pending.getOrDefault(id, new HashSet<>()).remove(address);
                    break;
                default:
                    break;
            }
        }
        int deferred = 0;
        for (String id : arrived) {
            if (completed.contains(id) || frozen.contains(id)) {
                continue;
            }
            Set<String> waiting = pending.get(id);
            if (waiting == null || waiting.isEmpty()) {
                fail("message " + id + " arrived but was neither completed, frozen nor left deferred");
            }
            deferred++;
        }
        assertEquals(result.arrivals(), arrived.size());
        assertEquals(result.completed(), completed.size());
        assertEquals(result.leftDeferred(), deferred, "deferred messages in the log vs. Result");
        assertEquals(result.leftFrozen(), frozen.size(), "frozen messages in the log vs. Result");
        // Left open on purpose, but only a few.
        assertTrue(arrived.size() - completed.size() < arrived.size() / 50,
                (arrived.size() - completed.size()) + " of " + arrived.size() + " never completed");
    }

    @Test
    void generate_permanentFailure_isFollowedByItsBounceBeforeCompleted() {
        Map<String, Integer> firstFailure = new HashMap<>();
        Map<String, Integer> bounceOf = new HashMap<>();
        Map<String, Integer> completedAt = new HashMap<>();
        Set<String> bounces = new HashSet<>();
        Pattern bounce = Pattern.compile(" <= <> R=(\\S+) U=mailnull P=local S=\\d+ ");
        for (int i = 0; i < log.length; i++) {
            Matcher m = MESSAGE_LINE.matcher(log[i]);
            if (!m.find()) {
                continue;
            }
            String id = m.group(1);
            Matcher b = bounce.matcher(log[i]);
            if (b.find()) {
                bounces.add(id);
                assertFalse(bounceOf.containsKey(b.group(1)), "two bounces in one attempt? " + log[i]);
                bounceOf.put(b.group(1), i);
            } else if (m.group(2).equals("**")) {
                firstFailure.putIfAbsent(id, i);
            } else if (m.group(2).equals("Completed")) {
                completedAt.put(id, i);
            }
        }
        int checked = 0;
        for (Map.Entry<String, Integer> e : firstFailure.entrySet()) {
            String id = e.getKey();
            if (bounces.contains(id)) {
                continue; // a failed bounce freezes instead of bouncing again
            }
            Integer b = bounceOf.get(id);
            if (b == null) {
                fail("message " + id + " failed at line " + (e.getValue() + 1) + " but never bounced");
            }
            assertTrue(b > e.getValue(), "bounce before the failure of " + id);
            Integer done = completedAt.get(id);
            if (done != null) {
                assertTrue(done > b, "Completed before the bounce of " + id);
            }
            checked++;
        }
        assertTrue(checked > 20, "too few failures to check: " + checked);
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 23})
    void generate_ids_haveTheRequestedWidth(int width) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SampleLogGenerator(Options.defaults().withLines(20_000).withIdWidth(width)).generate(out);
        Pattern mine = width == 16 ? ID16 : ID23;
        Pattern other = width == 16 ? ID23 : ID16;
        Pattern anyIdToken = Pattern.compile("(?<![0-9A-Za-z-])[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}(?![0-9A-Za-z-])");
        int ids = 0;
        for (String line : out.toString(StandardCharsets.US_ASCII).split("\n")) {
            Matcher m = anyIdToken.matcher(line);
            while (m.find()) {
                String id = m.group();
                assertTrue(mine.matcher(id).matches(), "id of the wrong width in: " + line);
                assertFalse(other.matcher(id).matches(), line);
                ids++;
            }
        }
        assertTrue(ids > 10_000, "found only " + ids + " ids");
    }

    @Test
    void messageIds_knownRealId_isReproduced() {
        // 1j5IBw-00064P-De: a real id from Exim 4.92 (shared/corpora/real-world/ddgrey-2020-02-22),
        // time 1582329524, pid 23337, sub-second part 846 (microsecond / 500).
        byte[] id = MessageIds.make(16, 1_582_329_524L, 23_337, 846 * 500 + 123);
        assertEquals("1j5IBw-00064P-De", new String(id, StandardCharsets.US_ASCII));
        byte[] id23 = MessageIds.make(23, 1_582_329_524L, 23_337, 999_999);
        assertEquals("1j5IBw-0000000064P-4C91", new String(id23, StandardCharsets.US_ASCII));
    }

    @Test
    void generate_containsEveryShapeOfACpanelLog() {
        String[] shapes = {
            "(TCP/IP connection count = ",
            " closed by QUIT",
            " lost D=",
            " closed by DROP in ACL",
            " P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_login:",
            " Sender identification U=",
            "Warning: \"SpamAssassin as cpaneleximscanner detected OUTGOING smtp message as NOT spam (",
            "detected message as spam (",
            " P=local S=",
            "cwd=/home/",
            " R=virtual_user T=dovecot_virtual_delivery C=\"250 2.0.0 <",
            " Saved\"",
            " R=dkim_lookuphost T=dkim_remote_smtp H=gmail-smtp-in.l.google.com [",
            " CV=yes C=\"250 ",
            "defer (-44) H=",
            "Greylisted",
            "defer (-53): retry time not reached for any host",
            "defer (110): Connection timed out",
            "] Connection timed out",
            ": retry timeout exceeded",
            ": SMTP error from remote mail server after RCPT TO:<",
            ": Unrouteable address",
            " <= <> R=",
            "Mail delivery failed: returning message to sender",
            "=> :blackhole: <",
            " R=virtual_aliases: No Such User Here",
            " rejected RCPT <",
            " rejected MAIL <",
            "rejected after DATA",
            "sender verify fail for <",
            "dovecot_login authenticator failed for ",
            "no host name found for IP address ",
            "TLS error on connection from ",
            "cwd=/var/spool/exim 3 args: /usr/sbin/exim -Mc ",
            "Start queue run: pid=",
            "End queue run: pid=",
            " Completed QT=",
            "Frozen (delivery error message)",
        };
        String[] patterns = {
            " -> \\S+@\\S+ R=dkim_lookuphost",                         // further recipient, same transaction
            " => [a-z.]+ <[^>]+> R=virtual_user",                       // local part only, then <top>
            " => \\S+ \\(\\S+@\\S+\\) <\\S+@\\S+> R=",                  // a (parent) chain
            " Completed$",
            " for \\S+@\\S+ \\S+@\\S+",                                 // several recipients
            "\\d <= \\S+@\\S+ H=.* P=esmtps .* id=\\S+ T=\"",
            "T=\"[^\"]*\\\\\"",                                        // an escaped quote in a subject
        };
        String all = String.join("\n", log);
        List<String> missing = new ArrayList<>();
        for (String s : shapes) {
            if (!all.contains(s)) {
                missing.add(s);
            }
        }
        for (String p : patterns) {
            if (!Pattern.compile(p, Pattern.MULTILINE).matcher(all).find()) {
                missing.add(p);
            }
        }
        assertTrue(missing.isEmpty(), "shapes missing from the log: " + missing);
    }

    @Test
    void generate_manyLines_inFlightStaysBounded() {
        // With 20 accounts a million lines cover weeks: long enough for every retry and freeze
        // timer to run out. What is in flight must level off, not grow with the log.
        Options o = Options.defaults().withAccounts(20).withSeed(5);
        Result shorter = new SampleLogGenerator(o.withLines(200_000)).generate(OutputStream.nullOutputStream());
        Result longer = new SampleLogGenerator(o.withLines(1_600_000)).generate(OutputStream.nullOutputStream());
        assertTrue(longer.peakInFlight() < shorter.peakInFlight() * 2,
                "in flight grew from " + shorter.peakInFlight() + " to " + longer.peakInFlight());
    }

    /** Counts bytes and newlines without keeping them. */
    static final class CountingStream extends OutputStream {
        long newlines;

        @Override
        public void write(int b) {
            if (b == '\n') {
                newlines++;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    newlines++;
                }
            }
        }
    }
}
