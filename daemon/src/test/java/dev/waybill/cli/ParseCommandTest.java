package dev.waybill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code waybill parse} as a user runs it: files in, NDJSON or stats out, errors on stderr. */
class ParseCommandTest {

    /** A short day on a cPanel server: real Exim 4.96 line shapes. */
    static final String LOG = """
            2026-11-28 03:55:46 exim 4.96 daemon started: pid=6500, no queue runs, listening for SMTP on [127.0.0.1]:{25,587}
            2026-11-28 03:55:50 SMTP connection from [127.0.0.1]:56782 (TCP/IP connection count = 1)
            2026-11-28 03:55:50 1xX9XS-0001jY-04 Sender identification U=exampleco D=example.com S=alice@example.com
            2026-11-28 03:55:50 1xX9XS-0001jY-04 H=(laptop.example.com) [127.0.0.1]:56782 Warning: "SpamAssassin as cpaneleximscanner detected OUTGOING smtp message as NOT spam (0.4)"
            2026-11-28 03:55:50 1xX9XS-0001jY-04 <= alice@example.com H=(laptop.example.com) [127.0.0.1]:56782 P=esmtpa A=dovecot_login:alice@example.com S=483 id=1@vm T="Hello" for bob@example.com friend@remote.example
            2026-11-28 03:55:50 1xX9XS-0001jY-04 => bob <bob@example.com> R=virtual_user T=dovecot_virtual_delivery
            2026-11-28 03:55:51 1xX9XS-0001jY-04 => friend@remote.example R=dkim_lookuphost T=dkim_remote_smtp H=mx.remote.example [192.0.2.25] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 2.0.0 Ok: queued"
            2026-11-28 03:55:51 1xX9XS-0001jY-04 Completed
            2026-11-28 03:55:55 H=(mx.outside.test) [198.51.100.3]:39368 F=<stranger@outside.test> rejected RCPT <nosuch@example.com>: Unrouteable address
            2026-11-28 03:55:56 1xX9XY-0001oA-0W <= stranger@outside.test H=(mx.outside.test) [198.51.100.3]:39392 P=esmtp S=482 for trash@example.com
            2026-11-28 03:55:56 1xX9XY-0001oA-0W => :blackhole: <trash@example.com> R=virtual_aliases
            2026-11-28 03:55:56 1xX9XY-0001oA-0W Completed
            this line is not Exim's
            2026-11-28 03:57:00 1xX9XZ-0001pB-27 <= alice@example.com U=exampleco P=local S=300 for slow@remote.example
            2026-11-28 03:57:01 1xX9XZ-0001pB-27 == slow@remote.example R=dkim_lookuphost T=dkim_remote_smtp defer (-44) H=mx.slow.example [192.0.2.26]: SMTP error from remote mail server after RCPT TO:<slow@remote.example>: 451 4.7.1 Greylisted
            """;

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    private List<JsonObject> rows() {
        return stdout.toString(StandardCharsets.UTF_8).lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static Path cpanelRoot(Path dir) throws IOException {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\n*: nobody\n");
        return root;
    }

    /**
     * A crash (power lost before the file system wrote the log's last blocks) leaves NUL bytes
     * from a block's start, often part way through a line, to where the file ended; Exim, started
     * again, appends after them, so its first line follows the NULs without a newline between.
     * That line is still read as itself.
     */
    @Test
    void parse_lineAfterTheNulBytesACrashLeft_isReadAsThatLine(@TempDir Path dir) throws IOException {
        Path clean = write(dir, "clean", LOG);
        assertEquals(0, run("parse", clean.toString()));
        String remote = rows().stream().filter(r -> r.get("recipient").getAsString().equals("friend@remote.example"))
                .findFirst().orElseThrow().toString();

        String delivery = "2026-11-28 03:55:51 1xX9XS-0001jY-04 => friend@remote.example";
        int at = LOG.indexOf(delivery);
        int lineBefore = LOG.lastIndexOf("2026-11-28", at - 1);
        for (int cut : new int[] {at, lineBefore + 30}) { // after a whole line, and part way through one
            stdout.reset();
            Path crashed = write(dir, "crashed", LOG.substring(0, cut) + "\0".repeat(4096) + LOG.substring(at));
            assertEquals(0, run("parse", crashed.toString()));
            assertTrue(rows().stream().anyMatch(r -> r.toString().equals(remote)), stdout.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void parse_log_printsOneObjectPerOutcomeAndRejection(@TempDir Path dir) throws IOException {
        Path log = write(dir, "mainlog", LOG);
        assertEquals(0, run("parse", log.toString(), "--cpanel-root", cpanelRoot(dir).toString()));
        List<JsonObject> rows = rows();
        assertEquals(5, rows.size(), stdout.toString(StandardCharsets.UTF_8));

        JsonObject local = rows.get(0);
        assertEquals("success", local.get("type").getAsString());
        assertEquals("bob@example.com", local.get("recipient").getAsString());
        assertEquals("exampleco", local.get("user").getAsString());
        assertEquals("exampleco", local.get("deliveryuser").getAsString());
        assertEquals(0.4, local.get("spamscore").getAsDouble());
        assertEquals("Hello", local.get("subject").getAsString());

        JsonObject remote = rows.get(1);
        assertEquals("friend@remote.example", remote.get("recipient").getAsString());
        assertEquals("-remote-", remote.get("deliveryuser").getAsString());
        assertEquals("192.0.2.25", remote.get("ip").getAsString());
        assertEquals("250 2.0.0 Ok: queued", remote.get("reply").getAsString());
        assertTrue(remote.get("transport_is_remote").getAsBoolean());

        assertEquals("rejected", rows.get(2).get("type").getAsString());
        assertEquals("filtered", rows.get(3).get("type").getAsString());
        JsonObject defer = rows.get(4);
        assertEquals("defer", defer.get("type").getAsString());
        assertTrue(defer.get("message").getAsString().endsWith("451 4.7.1 Greylisted"));
        assertEquals("", stderr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void parse_configFile_suppliesTheCpanelRoot(@TempDir Path dir) throws IOException {
        Path log = write(dir, "mainlog", LOG);
        Path conf = write(dir, "waybill.conf", "cpanel.root = " + cpanelRoot(dir) + "\nlog.timezone = UTC\n");
        assertEquals(0, run("parse", "--config", conf.toString(), log.toString()));
        assertEquals("exampleco", rows().get(0).get("deliveryuser").getAsString());
        stdout.reset();
        Path broken = write(dir, "broken.conf", "retention.days = forever\n");
        assertEquals(2, run("parse", "--config", broken.toString(), log.toString()));
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("retention.days = 'forever' is not valid"));
        assertEquals("", stdout.toString(StandardCharsets.UTF_8));
    }

    @Test
    void parse_stats_countsLinesClassesMessagesAndOutcomes(@TempDir Path dir) throws IOException {
        Path log = write(dir, "mainlog", LOG);
        assertEquals(0, run("parse", "--stats", log.toString()));
        JsonObject stats = rows().get(0);
        assertEquals(15, stats.get("lines").getAsLong());
        JsonObject classes = stats.getAsJsonObject("classes");
        assertEquals(3, classes.get("arrival").getAsLong());
        assertEquals(3, classes.get("delivery").getAsLong());
        assertEquals(1, classes.get("deferral").getAsLong());
        assertEquals(2, classes.get("completed").getAsLong());
        assertEquals(1, classes.get("rejection").getAsLong());
        assertEquals(1, classes.get("spam_score").getAsLong());
        assertEquals(1, classes.get("sender_identification").getAsLong());
        assertEquals(1, classes.get("continuation").getAsLong());
        assertEquals(0, classes.get("unknown").getAsLong());
        assertEquals(0, stats.getAsJsonArray("unknown_samples").size());
        assertEquals(3, stats.get("messages").getAsLong());
        JsonObject outcomes = stats.getAsJsonObject("outcomes");
        assertEquals(2, outcomes.get("success").getAsLong());
        assertEquals(1, outcomes.get("filtered").getAsLong());
        assertEquals(1, outcomes.get("defer").getAsLong());
        assertEquals(1, outcomes.get("rejected").getAsLong());
    }

    @Test
    void parse_stats_showsTheFirstUnknownLines(@TempDir Path dir) throws IOException {
        Path log = write(dir, "mainlog", LOG + "2026-13-45 99:00:00 not a time\n");
        assertEquals(0, run("parse", "--stats", log.toString()));
        JsonObject stats = rows().get(0);
        assertEquals(1, stats.getAsJsonObject("classes").get("unknown").getAsLong());
        assertEquals("2026-13-45 99:00:00 not a time", stats.getAsJsonArray("unknown_samples").get(0).getAsString());
    }

    @Test
    void parse_gzipAndPlain_giveTheSameOutcomes(@TempDir Path dir) throws IOException {
        Path plain = write(dir, "mainlog", LOG);
        Path gz = dir.resolve("mainlog.1.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(LOG.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(0, run("parse", plain.toString()));
        String fromPlain = stdout.toString(StandardCharsets.UTF_8);
        stdout.reset();
        assertEquals(0, run("parse", gz.toString()));
        assertEquals(fromPlain, stdout.toString(StandardCharsets.UTF_8));
    }

    @Test
    void parse_messageStraddlingTwoFiles_isAssembledAcrossThem(@TempDir Path dir) throws IOException {
        String[] lines = LOG.split("\n");
        Path first = write(dir, "mainlog.1", String.join("\n", Arrays.copyOfRange(lines, 0, 6)) + "\n");
        Path second = write(dir, "mainlog", String.join("\n", Arrays.copyOfRange(lines, 6, lines.length)) + "\n");
        assertEquals(0, run("parse", first.toString(), second.toString()));
        JsonObject remote = rows().get(1);
        assertEquals("friend@remote.example", remote.get("recipient").getAsString());
        assertEquals("alice@example.com", remote.get("email").getAsString(), "arrival came from the first file");
    }

    @Test
    void parse_standardInput(@TempDir Path dir) {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(LOG.getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, run("parse", "-"));
        } finally {
            System.setIn(saved);
        }
        assertEquals(5, rows().size());
    }

    @Test
    void parse_missingFile_isReportedAndTheOthersStillParsed(@TempDir Path dir) throws IOException {
        Path log = write(dir, "mainlog", LOG);
        assertEquals(1, run("parse", dir.resolve("nope.log").toString(), log.toString()));
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("nope.log: no such file"), stderr.toString());
        assertEquals(5, rows().size());
    }

    @Test
    void parse_truncatedGzip_keepsTheLinesBeforeTheDamage(@TempDir Path dir) throws IOException {
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            big.append(LOG.replace("1xX9XS-0001jY-04", String.format("1xX9XS-%06d-04", i)));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bytes)) {
            o.write(big.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = bytes.toByteArray();
        Path gz = dir.resolve("broken.gz");
        Files.write(gz, Arrays.copyOf(whole, whole.length / 2));
        assertEquals(1, run("parse", "--stats", gz.toString()));
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("broken.gz: corrupt or truncated gzip data"), err);
        long lines = rows().get(0).get("lines").getAsLong();
        assertTrue(lines > 1000 && lines < 2000 * 15, "kept the lines before the damage: " + lines);
    }

    @Test
    void parse_badOptions_sayWhatIsWrong(@TempDir Path dir) {
        assertEquals(2, run("parse", "--frobnicate", "x"));
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("unknown option '--frobnicate'"));
        stderr.reset();
        assertEquals(2, run("parse", "--horizon", "soon", "x"));
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("--horizon: 'soon' is not a duration"));
        stderr.reset();
        assertEquals(2, run("parse"));
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("no log file given"));
        stderr.reset();
        assertEquals(2, run("parse", "--timezone", "Mars/Olympus", "x"));
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("unknown zone"));
    }

    @Test
    void help_isPrintedForTheToolAndTheCommand() {
        assertEquals(0, run("--help"));
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("parse FILE..."));
        stdout.reset();
        assertEquals(0, run("parse", "--help"));
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("--cpanel-root DIR"));
        assertEquals(2, run("frobnicate"));
    }

    @Test
    void durations_acceptUnitsAndRejectNonsense() {
        assertEquals(90, Durations.parseSeconds("90", "--x"));
        assertEquals(5400, Durations.parseSeconds("90m", "--x"));
        assertEquals(129600, Durations.parseSeconds("36h", "--x"));
        assertEquals(604800, Durations.parseSeconds("7d", "--x"));
        for (String bad : new String[] {"", "0d", "-5m", "7w", "d", "99999999999999999d"}) {
            try {
                Durations.parseSeconds(bad, "--x");
                throw new AssertionError("accepted " + bad);
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage().startsWith("--x"));
            }
        }
    }

    /** A pipe named by its path ({@code waybill parse <(zcat exim_mainlog.2.gz)}) is read like a file. */
    @Test
    void parse_aPipeByItsPath_readsWhatIsWritten(@TempDir Path dir) throws Exception {
        List<JsonObject> fromPipe = parsedThroughAPipe(dir, out -> out.write(LOG.getBytes(StandardCharsets.UTF_8)));
        assertTrue(fromPipe.size() > 3, "rows: " + fromPipe.size());
    }

    /** What a feeding process writes down a named pipe: the rows parse reads from it, checked to be the file's. */
    @FunctionalInterface
    private interface Feed {
        void write(java.io.OutputStream out) throws IOException, InterruptedException;
    }

    private List<JsonObject> parsedThroughAPipe(Path dir, Feed feed) throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Thread writer = new Thread(() -> {
            try (java.io.OutputStream out = Files.newOutputStream(fifo)) {
                feed.write(out);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        assertEquals(0, run("parse", fifo.toString()), stderr.toString());
        writer.join();
        List<JsonObject> fromPipe = rows();
        stdout.reset();
        assertEquals(0, run("parse", write(dir, "log", LOG).toString()), stderr.toString());
        assertEquals(rows(), fromPipe, "what the file itself gives");
        return fromPipe;
    }

    /**
     * The default configuration is root's alone; another user parsing a log goes on without it,
     * told what stands in, and says nothing when the flags give all parse needs of it. A
     * configuration named by --config must be readable.
     */
    @Test
    void parse_defaultConfigurationUnreadable_goesOnWithTheFlagsOrTheDefaults(@TempDir Path dir) throws Exception {
        Path log = write(dir, "log", LOG);
        Path unreadable = Files.createDirectory(dir.resolve("waybill.conf")); // unreadable even for root
        assertEquals(0, ParseCommand.run(new String[] {log.toString()}, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8), unreadable), stderr.toString());
        assertTrue(stderr.toString().startsWith("waybill parse: note: " + unreadable), stderr.toString());
        assertTrue(stderr.toString().contains("this system's time zone") && stderr.toString().contains("--cpanel-root"),
                stderr.toString());
        List<JsonObject> withoutConfig = rows();
        assertTrue(withoutConfig.size() > 3, "rows: " + withoutConfig.size());
        stdout.reset();
        stderr.reset();
        assertEquals(0, ParseCommand.run(new String[] {"--timezone", "UTC", "--cpanel-root", dir.toString(),
                log.toString()}, new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8), unreadable));
        assertEquals("", stderr.toString(), "the flags give all it needs");
        assertEquals(withoutConfig.size(), rows().size());
        assertEquals(2, run("parse", "--config", unreadable.toString(), log.toString()), "an explicit one must be readable");
    }

    /**
     * A gzip file of two members (`cat a.gz b.gz`, as some rotations make) through a pipe whose
     * second member comes a moment after the first: both are read, as from the file itself.
     */
    @Test
    void parse_twoGzipMembersThroughAPipe_readsBoth(@TempDir Path dir) throws Exception {
        int half = LOG.indexOf('\n', LOG.length() / 2) + 1;
        byte[] first = gzip(LOG.substring(0, half));
        byte[] second = gzip(LOG.substring(half));
        parsedThroughAPipe(dir, out -> {
            out.write(first);
            out.flush();
            Thread.sleep(500);
            out.write(second);
        });
    }

    /**
     * A full disk under {@code parse big.log > out.json} is a failure said on standard error, and
     * the parse stops at the first write that failed instead of reading the rest of the file.
     */
    @Test
    void parse_outputThatCannotBeWritten_stopsAtOnce_andSaysSo(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("big.log");
        assertEquals(0, SampleLogCommand.run(new String[] {"--lines", "20000", "--out", log.toString()},
                new PrintStream(stdout), new PrintStream(stderr)), stderr.toString());
        FullDisk full = new FullDisk();
        stderr.reset();
        assertEquals(1, Main.run(new String[] {"parse", log.toString()}, new PrintStream(full, true),
                new PrintStream(stderr, true, StandardCharsets.UTF_8)));
        assertTrue(stderr.toString().contains("cannot write the output"), stderr.toString());
        assertEquals(1, full.writes(), "no block is written after the first failed");
    }

    private static byte[] gzip(String text) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
