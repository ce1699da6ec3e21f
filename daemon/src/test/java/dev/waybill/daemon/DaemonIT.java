package dev.waybill.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.waybill.exim.LogClock;
import dev.waybill.ingest.LogPosition;
import dev.waybill.testing.MariaDbServer;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code waybill run} as a real process against a private MariaDB: what it stores equals what
 * {@code waybill parse} reports of the same log, through kill -9 at random instants, log
 * rotations and a database that goes away.
 */
@ExtendWith(PrivateMariaDb.class)
class DaemonIT {

    private static final String JAR = System.getProperty("waybill.jar");
    private static final String[] TYPES = {"success", "filtered", "failure", "defer", "rejected", "inprogress"};

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int runJar(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", JAR));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("cmd-" + args[0] + ".out").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return p.exitValue();
    }

    private Process startDaemon(Path dir, Path conf) throws IOException {
        Process p = new ProcessBuilder(java(), "-jar", JAR, "run", "--config", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("daemon.out").toFile())).start();
        started.add(p);
        return p;
    }

    private static Path config(Path dir, TestDatabase db, Path log, Path root) throws IOException {
        return config(dir, db, log, root, "daemon-test");
    }

    private static Path config(Path dir, TestDatabase db, Path log, Path root, String server) throws IOException {
        Path conf = dir.resolve(server + ".conf");
        Files.writeString(conf, "db.url = " + db.jdbcUrl() + "\ndb.user = " + db.user() + "\ndb.password = "
                + db.password() + "\nlog.path = " + log + "\ncpanel.root = " + root
                + "\nserver.id = " + server + "\nlog.timezone = UTC\nsocket.path = " + dir.resolve(server + ".sock") + "\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        return conf;
    }

    /** A generated cPanel-like log and its account files. */
    private static List<String> sample(Path dir, int lines) throws IOException, InterruptedException {
        Path out = dir.resolve("sample.log");
        assertEquals(0, runJar(dir, "sample-log", "--lines", String.valueOf(lines), "--seed", "7", "--out",
                out.toString(), "--cpanel-root", dir.resolve("root").toString()));
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    /** A log to be written at {@code exim_mainlog}, its configuration, and what parse says of all of it. */
    private record Scenario(Path log, Path conf, List<String> expected) {
    }

    private static Scenario scenario(Path dir, TestDatabase db, List<String> lines) throws Exception {
        Path log = dir.resolve("exim_mainlog");
        Path conf = config(dir, db, log, dir.resolve("root"));
        Path whole = dir.resolve("whole.log");
        Files.write(whole, lines);
        return new Scenario(log, conf, parsed(dir, conf, whole));
    }

    /** What parse says about the whole log, as sorted row descriptions. */
    private static List<String> parsed(Path dir, Path conf, Path whole) throws IOException, InterruptedException {
        assertEquals(0, runJar(dir, "parse", "--config", conf.toString(), whole.toString()));
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("cmd-parse.out"), StandardCharsets.UTF_8)) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (!o.get("msgid").isJsonNull()) {
                rows.add(String.join("|", s(o, "msgid"), s(o, "recipient"), s(o, "type"), s(o, "deliveredto"),
                        s(o, "router"), s(o, "deliveryuser"), s(o, "attempts")));
            }
        }
        Collections.sort(rows);
        return rows;
    }

    private static String s(JsonObject o, String k) {
        return o.get(k).isJsonNull() ? "" : o.get(k).getAsString();
    }

    private static List<String> stored(TestDatabase db) throws SQLException {
        return stored(db, "");
    }

    /** Rows of one server ({@code serverName}), or of all when it is empty. */
    private static List<String> stored(TestDatabase db, String serverName) throws SQLException {
        List<String> rows = new ArrayList<>();
        String where = serverName.isEmpty() ? ""
                : " AND server_id = (SELECT id FROM server WHERE name = '" + serverName + "')";
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT msgid, recipient, type, deliveredto, router, deliveryuser, attempts"
                     + " FROM delivery WHERE msgid IS NOT NULL" + where)) {
            while (rs.next()) {
                rows.add(String.join("|", n(rs.getString(1)), n(rs.getString(2)), TYPES[rs.getInt(3)],
                        n(rs.getString(4)), n(rs.getString(5)), n(rs.getString(6)), String.valueOf(rs.getInt(7))));
            }
        } catch (SQLException e) {
            if (e.getMessage().contains("doesn't exist")) {
                return rows; // the daemon has not created its tables yet
            }
            throw e;
        }
        Collections.sort(rows);
        return rows;
    }

    private static String n(String s) {
        return s == null ? "" : s;
    }

    private static void append(Path log, List<String> lines) throws IOException {
        Files.writeString(log, String.join("\n", lines) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** Waits until the store holds {@code expected}, or fails showing the difference. */
    private static void awaitStored(TestDatabase db, List<String> expected, Path daemonOut) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<String> got = List.of();
        while (System.nanoTime() < deadline) {
            got = stored(db);
            if (got.equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        List<String> missing = new ArrayList<>(expected);
        missing.removeAll(got);
        List<String> extra = new ArrayList<>(got);
        extra.removeAll(expected);
        throw new AssertionError("stored rows differ from parse: " + got.size() + " vs " + expected.size()
                + "; missing " + missing.subList(0, Math.min(5, missing.size())) + "; extra "
                + extra.subList(0, Math.min(5, extra.size())) + "\ndaemon said:\n"
                + Files.readString(daemonOut));
    }

    @Test
    void killNineAtRandomInstants_everyOutcomeStoredExactlyOnce(@TempDir Path dir, TestDatabase db) throws Exception {
        List<String> lines = sample(dir, 12_000);
        Scenario sc = scenario(dir, db, lines);
        Path log = sc.log();
        Path conf = sc.conf();
        List<String> expected = sc.expected();

        SplittableRandom rnd = new SplittableRandom(Long.getLong("waybill.seed", 2026));
        Process daemon = startDaemon(dir, conf);
        // The first start reads the live log from its beginning; let it commit once before the chaos.
        append(log, lines.subList(0, 500));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count(db, "SELECT COUNT(*) FROM log_position WHERE source NOT LIKE 'backfill:%'") == 0) {
            assertTrue(System.nanoTime() < deadline, "no first commit");
            Thread.sleep(50);
        }
        int written = 500;
        int kills = 0;
        int rotations = 0;
        int compressions = 0;
        int lastStart = 0; // where in daemon.out the last daemon's lines begin
        while (written < lines.size()) {
            int n = Math.min(lines.size() - written, 200 + rnd.nextInt(1200));
            append(log, lines.subList(written, written + n));
            written += n;
            if (rnd.nextInt(4) == 0) {
                rotate(dir, rotations++, false);
            }
            Thread.sleep(rnd.nextInt(400));
            if (rnd.nextInt(3) == 0) {
                daemon.destroyForcibly(); // kill -9: no shutdown hook, no last commit
                assertTrue(daemon.waitFor(10, TimeUnit.SECONDS));
                kills++;
                if (kills == 1 || rnd.nextInt(2) == 0) {
                    // While it is down, a rotation that compresses at once: the file it stopped in
                    // may now be a .gz, a new inode, known only by its first bytes.
                    rotate(dir, rotations++, true);
                    compressions++;
                }
                lastStart = Files.readString(dir.resolve("daemon.out")).length();
                daemon = startDaemon(dir, conf);
            }
        }
        awaitStored(db, expected, dir.resolve("daemon.out"));
        assertTrue(kills >= 3 && rotations >= 2 && compressions >= 1,
                "the run exercised kills, rotations and compressions: " + kills + ", " + rotations + ", " + compressions);

        // The last start may be a moment old: a JVM stopped before it is up cannot say anything.
        long up = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(dir.resolve("daemon.out")).substring(lastStart).contains("waybill: started (")) {
            assertTrue(System.nanoTime() < up, "the last daemon never came up");
            Thread.sleep(50);
        }
        daemon.destroy(); // SIGTERM: commits and exits cleanly (the JVM's status for SIGTERM is 143)
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        assertEquals(143, daemon.exitValue(), Files.readString(dir.resolve("daemon.out")));
        String said = Files.readString(dir.resolve("daemon.out"));
        assertTrue(said.contains("stopped; everything read is committed"), said);
    }

    /**
     * logrotate's way: shifts the generations (plain or .gz), renames the log to .1 — or, with
     * {@code compress} (no delaycompress), writes it to .1.gz and removes it — and Exim starts a
     * new file with its next line.
     */
    private static void rotate(Path dir, int before, boolean compress) throws IOException {
        for (int g = before; g >= 1; g--) {
            for (String suffix : new String[] {"", ".gz"}) {
                Path from = dir.resolve("exim_mainlog." + g + suffix);
                if (Files.exists(from)) {
                    Files.move(from, dir.resolve("exim_mainlog." + (g + 1) + suffix), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path log = dir.resolve("exim_mainlog");
        if (!Files.exists(log)) {
            return; // nothing written since the last rotation
        }
        if (compress) {
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("exim_mainlog.1.gz")))) {
                Files.copy(log, o);
            }
            Files.delete(log);
        } else {
            Files.move(log, dir.resolve("exim_mainlog.1"));
        }
    }

    @Test
    void firstStart_followsTheLiveLogAtOnce_whileTheRotatedLogsAreBackfilled(@TempDir Path dir, TestDatabase db)
            throws Exception {
        List<String> lines = sample(dir, 700_000);
        Scenario sc = scenario(dir, db, lines);
        Path log = sc.log();
        // What logrotate leaves: .2.gz oldest, then .1, then the live log; messages straddle them.
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("exim_mainlog.2.gz")))) {
            o.write((String.join("\n", lines.subList(0, 300_000)) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Files.write(dir.resolve("exim_mainlog.1"), lines.subList(300_000, 600_000));
        Files.write(log, lines.subList(600_000, 680_000));
        startDaemon(dir, sc.conf());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(dir.resolve("daemon.out")).contains("first start")) {
            assertTrue(System.nanoTime() < deadline, "the daemon did not start");
            Thread.sleep(20);
        }
        // New mail is stored while the history is still being written: the tail only replays the
        // rotated week in memory (parsing, no writes) before it follows; the backfill writes it all.
        List<String> fresh = lines.subList(680_000, lines.size());
        String msgid = fresh.stream().filter(l -> l.contains(" <= ")).findFirst().orElseThrow().split(" ")[2];
        append(log, fresh);
        long appended = System.nanoTime();
        while (count(db, "SELECT COUNT(*) FROM delivery WHERE msgid = '" + msgid + "'") == 0) {
            assertTrue(System.nanoTime() - appended < TimeUnit.SECONDS.toNanos(10),
                    "new mail waited for the backfill\n" + Files.readString(dir.resolve("daemon.out")));
            Thread.sleep(20);
        }
        assertEquals(1, count(db, "SELECT COUNT(*) FROM log_position WHERE source LIKE 'backfill:%'"),
                "the backfill was still running when the new mail was stored");
        awaitStored(db, sc.expected(), dir.resolve("daemon.out"));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count(db, "SELECT COUNT(*) FROM log_position WHERE source LIKE 'backfill:%'") != 0) {
            assertTrue(System.nanoTime() < deadline, "the backfill never finished");
            Thread.sleep(100);
        }
        String said = Files.readString(dir.resolve("daemon.out"));
        assertTrue(said.contains("backfilling its history") && said.contains("backfill done"), said);
    }

    @Test
    void restartAfterRotationsDeletedTheFileItStoppedIn_waitsForTheLog_andStoresTheGenerationsWrittenMeanwhile(
            @TempDir Path dir, TestDatabase db) throws Exception {
        List<String> lines = sample(dir, 6_000);
        Scenario sc = scenario(dir, db, lines);
        Path log = sc.log();
        Path rotated = dir.resolve("exim_mainlog.1");
        Process daemon = startDaemon(dir, sc.conf());
        append(log, lines.subList(0, 2_000));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (committedOffset(db) != Files.size(log)) {
            assertTrue(System.nanoTime() < deadline, "the first run never read its log\n"
                    + Files.readString(dir.resolve("daemon.out")));
            Thread.sleep(50);
        }
        daemon.destroy();
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        // While it is down, two rotations with `rotate 1` and `nocreate`: the file it stopped in is
        // deleted, the generation after it is the one rotated file, and there is no live log yet.
        Files.move(log, rotated);
        append(log, lines.subList(2_000, 4_000));
        Files.delete(rotated);
        Files.move(log, rotated);
        startDaemon(dir, sc.conf());
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(dir.resolve("daemon.out")).contains("to be there and readable")) {
            assertTrue(System.nanoTime() < deadline, "the restart did not wait for the log\n"
                    + Files.readString(dir.resolve("daemon.out")));
            Thread.sleep(50);
        }
        assertEquals(0, runJar(dir, "status", "--config", sc.conf().toString()));
        String status = Files.readString(dir.resolve("cmd-status.out"));
        assertTrue(status.contains("state: waiting for " + log), status);
        // Exim writes again: the daemon starts over at the new log's end and backfills the rotated one.
        append(log, lines.subList(4_000, lines.size()));
        // Messages that began after the deleted file are stored as parse reads the whole log.
        Set<String> later = new HashSet<>();
        Set<String> earlier = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ", 4);
            if (f.length > 3 && f[2].matches("[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}")) {
                (i < 2_000 ? earlier : later).add(f[2]);
            }
        }
        later.removeAll(earlier);
        List<String> expected = sc.expected().stream().filter(r -> later.contains(r.split("\\|")[0])).toList();
        assertTrue(expected.size() > 500, "rows of messages begun after the deleted file: " + expected.size());
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<String> got = List.of();
        while (!(got = stored(db).stream().filter(r -> later.contains(r.split("\\|")[0])).toList()).equals(expected)) {
            assertTrue(System.nanoTime() < deadline, "stored " + got.size() + " of " + expected.size() + " rows\n"
                    + Files.readString(dir.resolve("daemon.out")));
            Thread.sleep(200);
        }
        String said = Files.readString(dir.resolve("daemon.out"));
        assertTrue(said.contains("is gone") && said.contains("backfilling the rotated logs not read yet"), said);
    }

    /** The offset of the tail's committed position, or -1 before it commits one. */
    private static long committedOffset(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT position FROM log_position WHERE source NOT LIKE 'backfill:%'")) {
            return rs.next() ? LogPosition.parse(rs.getString(1)).offset() : -1;
        } catch (SQLException e) {
            if (e.getMessage().contains("doesn't exist")) {
                return -1; // the daemon has not created its tables yet
            }
            throw e;
        }
    }

    @Test
    void databaseGoesAway_ingestPausesAndResumesWithNothingLost(@TempDir Path dir, TestDatabase db) throws Exception {
        List<String> lines = sample(dir, 4_000);
        Scenario sc = scenario(dir, db, lines);
        Path log = sc.log();
        Path conf = sc.conf();
        List<String> expected = sc.expected();

        int half = lines.size() / 2;
        append(log, lines.subList(0, half));
        Process daemon = startDaemon(dir, conf);
        awaitSomeStored(db);
        MariaDbServer server = db.server();
        server.stop();
        append(log, lines.subList(half, lines.size()));
        // Down until the daemon has noticed (a write waits up to the pool's 5 s for a connection
        // before it counts as an outage): a shorter outage is simply waited out, and says nothing.
        Path out = dir.resolve("daemon.out");
        awaitSaid(out, "cannot reach the database", 30, "the outage was never noticed");
        Thread.sleep(1_000);
        assertTrue(daemon.isAlive(), "the daemon waits for the database instead of dying");
        // `waybill status` tells what the daemon waits for, not "following the log".
        runJar(dir, "status", "--config", conf.toString());
        String status = Files.readString(dir.resolve("cmd-status.out"));
        assertTrue(status.contains("waiting for the database since"), status);
        // ... and how far behind the log the store is: at least the half written while it was away.
        long secondHalf = String.join("\n", lines.subList(half, lines.size())).getBytes(StandardCharsets.UTF_8).length;
        JsonObject ingest = health(dir, conf).getAsJsonObject("ingest");
        assertTrue(ingest.get("lag_bytes").getAsLong() >= secondHalf, ingest + " vs " + secondHalf);
        // The oldest line not stored is at least as old as the first line written while it was away.
        long firstAway = new LogClock(ZoneOffset.UTC).read(lines.get(half));
        assertTrue(ingest.get("lag_seconds").getAsLong() >= System.currentTimeMillis() / 1000 - firstAway - 5,
                ingest + " vs " + lines.get(half));
        server.start();
        awaitStored(db, expected, dir.resolve("daemon.out"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (health(dir, conf).getAsJsonObject("ingest").get("lag_bytes").getAsLong() != 0) {
            assertTrue(System.nanoTime() < deadline, "caught up, the lag is 0: " + health(dir, conf));
            Thread.sleep(100);
        }
        assertFalse(health(dir, conf).getAsJsonObject("ingest").has("lag_seconds"), "no line left to wait");
        // The writer says so right after the commit that made the rows visible: a moment later.
        awaitSaid(out, "database is back after", 10, "the end of the outage was never said");
        String said = Files.readString(out);
        assertEquals(1, said.lines().filter(l -> l.contains("cannot reach the database")).count(), said);
        assertTrue(said.lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("WARN")), "no library's stack trace: " + said);
    }

    /**
     * A database that stops answering without closing its connections (its host lost, a network
     * cut; here the process frozen with SIGSTOP) is an outage too: the write gives up after the
     * connection's socketTimeout (3 s here, from db.url), the daemon says so and what it waits
     * for, and once the database answers again everything is stored exactly once.
     */
    @Test
    void databaseStopsAnswering_isAnOutageSaid_andNothingIsLost(@TempDir Path dir, TestDatabase db) throws Exception {
        List<String> lines = sample(dir, 4_000);
        Scenario sc = scenario(dir, db, lines);
        String url = db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?") + "socketTimeout=3000";
        Files.writeString(sc.conf(), Files.readString(sc.conf()).replace(db.jdbcUrl(), url));
        int half = lines.size() / 2;
        append(sc.log(), lines.subList(0, half));
        Process daemon = startDaemon(dir, sc.conf());
        awaitSomeStored(db);
        Path out = dir.resolve("daemon.out");
        long pid = db.server().pid();
        signal("STOP", pid);
        try {
            append(sc.log(), lines.subList(half, lines.size()));
            awaitSaid(out, "the database stopped answering", 30, "the silence was never noticed");
            assertTrue(daemon.isAlive());
            runJar(dir, "status", "--config", sc.conf().toString());
            String status = Files.readString(dir.resolve("cmd-status.out"));
            assertTrue(status.contains("waiting for the database since"), status);
        } finally {
            signal("CONT", pid);
        }
        awaitStored(db, sc.expected(), out);
        String said = Files.readString(out);
        assertEquals(1, said.lines().filter(l -> l.contains("the database stopped answering")).count(), said);
    }

    /** What {@code waybill status --json} answers. */
    private static JsonObject health(Path dir, Path conf) throws IOException, InterruptedException {
        assertEquals(0, runJar(dir, "status", "--json", "--config", conf.toString()));
        return JsonParser.parseString(Files.readString(dir.resolve("cmd-status.out"))).getAsJsonObject();
    }

    /** Waits until the daemon has stored some rows (60 s at most). */
    private static void awaitSomeStored(TestDatabase db) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (stored(db).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** Waits until {@code out} says {@code text}, or fails with {@code never} and what it said. */
    private static void awaitSaid(Path out, String text, int seconds, String never) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.readString(out).contains(text)) {
            assertTrue(System.nanoTime() < deadline, never + "\n" + Files.readString(out));
            Thread.sleep(50);
        }
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).start().waitFor());
    }

    /**
     * SIGTERM while the database is away: the daemon does not wait for it (systemd would kill it
     * after its stop timeout), it says so and exits at once; the next start, with the database
     * back, stores everything exactly once — what was held was never committed, so it is read again.
     */
    @Test
    void stoppedWhileTheDatabaseIsAway_exitsAtOnce_andTheNextStartStoresEverything(@TempDir Path dir,
            TestDatabase db) throws Exception {
        List<String> lines = sample(dir, 4_000);
        Scenario sc = scenario(dir, db, lines);
        int half = lines.size() / 2;
        append(sc.log(), lines.subList(0, half));
        Process daemon = startDaemon(dir, sc.conf());
        awaitSomeStored(db);
        MariaDbServer server = db.server();
        server.stop();
        append(sc.log(), lines.subList(half, lines.size()));
        Path out = dir.resolve("daemon.out");
        awaitSaid(out, "cannot reach the database", 30, "the outage was never noticed");
        daemon.destroy(); // SIGTERM
        assertTrue(daemon.waitFor(10, TimeUnit.SECONDS), "still running 10 s after SIGTERM\n" + Files.readString(out));
        assertTrue(Files.readString(out).contains("stopped before the database took the last batch"), Files.readString(out));
        server.start();
        startDaemon(dir, sc.conf());
        awaitStored(db, sc.expected(), out);
    }

    /**
     * Questions held up in the database (here by an administrator's {@code LOCK TABLES} on the
     * table a search naming a server reads) never take the connections ingest writes through:
     * eight of them wait, more than the query pool holds, and new mail is stored meanwhile.
     */
    @Test
    void questionsHeldUpByALock_neverStallIngest(@TempDir Path dir, TestDatabase db) throws Exception {
        List<String> lines = sample(dir, 3_000);
        Scenario sc = scenario(dir, db, lines);
        int half = lines.size() / 2;
        append(sc.log(), lines.subList(0, half));
        startDaemon(dir, sc.conf());
        awaitSomeStored(db);
        Path socket = dir.resolve("daemon-test.sock");
        try (Connection dba = db.connect(); Statement st = dba.createStatement()) {
            st.execute("LOCK TABLES server WRITE");
            List<Thread> asking = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Thread t = new Thread(() -> {
                    try (dev.waybill.client.SocketClient c = dev.waybill.client.SocketClient.connect(socket)) {
                        JsonObject p = new JsonObject();
                        p.addProperty("server", "web9");
                        c.call("search", p);
                    } catch (Exception answeredWithAnError) {
                        // held up, then refused: what matters is ingest meanwhile
                    }
                });
                t.start();
                asking.add(t);
            }
            Thread.sleep(1_000); // the questions are in the database, waiting for the lock
            append(sc.log(), lines.subList(half, lines.size()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!stored(db).equals(sc.expected())) {
                assertTrue(System.nanoTime() < deadline, "ingest stalled behind the held-up questions\n"
                        + Files.readString(dir.resolve("daemon.out")));
                Thread.sleep(200);
            }
            st.execute("UNLOCK TABLES");
            for (Thread t : asking) {
                t.join(30_000);
            }
        }
    }

    /**
     * {@code waybill import} stopped by SIGTERM part way through says so and what to do; run
     * again, it finishes with exactly what {@code waybill parse} reports.
     */
    @Test
    void importStoppedPartWay_saysSo_andRunAgainFinishesExactly(@TempDir Path dir, TestDatabase db) throws Exception {
        sample(dir, 400_000);
        Path log = dir.resolve("sample.log");
        Path conf = config(dir, db, dir.resolve("none.log"), dir.resolve("root"));
        Process p = new ProcessBuilder(java(), "-jar", JAR, "import", "--config", conf.toString(), log.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("import.out").toFile()).start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && countRows(db) == 0) {
            assertTrue(System.nanoTime() < deadline, "no rows stored");
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the import was still running when stopped");
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String said = Files.readString(dir.resolve("import.out"));
        assertTrue(said.contains("waybill import: stopped before the end; what was committed stays"), said);
        assertEquals(0, runJar(dir, "import", "--config", conf.toString(), log.toString()),
                Files.readString(dir.resolve("cmd-import.out")));
        assertEquals(parsed(dir, conf, log), stored(db));
    }

    /**
     * An import on a terminal held back by a database that stopped answering (frozen with
     * SIGSTOP) says so on its progress line, with how long, instead of a frozen rate; once the
     * database answers again it finishes with exactly what {@code waybill parse} reports.
     */
    @Test
    void importOnATerminal_heldByASilentDatabase_saysSo_andFinishesExactly(@TempDir Path dir, TestDatabase db)
            throws Exception {
        sample(dir, 300_000);
        Path log = dir.resolve("sample.log");
        Path conf = config(dir, db, dir.resolve("none.log"), dir.resolve("root"));
        String command = String.join(" ", java(), "-jar", JAR, "import", "--config", conf.toString(), log.toString());
        Process p = new ProcessBuilder("script", "-qec", command, "/dev/null")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("pty.out").toFile()).start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && countRows(db) == 0) {
            assertTrue(System.nanoTime() < deadline, "no rows stored");
            Thread.sleep(20);
        }
        long pid = db.server().pid();
        signal("STOP", pid);
        java.util.regex.Pattern held = java.util.regex.Pattern.compile("\\d+%  waiting for the database, (\\d+) s");
        try {
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (!held.matcher(Files.readString(dir.resolve("pty.out"))).find()) {
                assertTrue(System.nanoTime() < deadline, "never said\n" + Files.readString(dir.resolve("pty.out")));
                Thread.sleep(100);
            }
        } finally {
            signal("CONT", pid);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String screen = Files.readString(dir.resolve("pty.out"));
        assertEquals(0, p.exitValue(), screen);
        java.util.regex.Matcher m = held.matcher(screen);
        assertTrue(m.find() && Integer.parseInt(m.group(1)) >= 10, "counted from the write it waits for: " + screen);
        assertEquals(parsed(dir, conf, log), stored(db));
    }

    /**
     * On a terminal (a pseudo-terminal from {@code script}), {@code waybill import} of two files
     * shows which file it reads and, for the whole import, how far it is, lines per second and
     * the time left; the percentage only grows, from one file to the next.
     */
    @Test
    void importOnATerminal_showsProgressOverEveryFile(@TempDir Path dir, TestDatabase db) throws Exception {
        List<String> lines = sample(dir, 200_000);
        Path first = dir.resolve("exim_mainlog-1");
        Path second = dir.resolve("exim_mainlog-2");
        Files.write(first, lines.subList(0, 100_000));
        Files.write(second, lines.subList(100_000, lines.size()));
        Path conf = config(dir, db, dir.resolve("none.log"), dir.resolve("root"));
        String command = String.join(" ", java(), "-jar", JAR, "import", "--config", conf.toString(),
                second.toString(), first.toString());
        Process p = new ProcessBuilder("script", "-qec", command, "/dev/null")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("pty.out").toFile()).start();
        started.add(p);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String screen = Files.readString(dir.resolve("pty.out"));
        assertEquals(0, p.exitValue(), screen);
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("\\[(\\d)/2\\] (\\S+) +(\\d+)%  [\\d,]+ lines/s  ETA \\d+:\\d\\d").matcher(screen);
        List<String> files = new ArrayList<>();
        int last = -1;
        while (m.find()) {
            int percent = Integer.parseInt(m.group(3));
            assertTrue(percent >= last, "the share of the whole import only grows: " + screen);
            last = percent;
            if (files.isEmpty() || !files.get(files.size() - 1).equals(m.group(2))) {
                files.add(m.group(2));
            }
        }
        assertEquals(List.of("exim_mainlog-1", "exim_mainlog-2"), files, "oldest first, each named: " + screen);
        assertTrue(screen.contains(String.format("imported 2 files, %,d lines", lines.size())), screen);
    }

    private static long countRows(TestDatabase db) {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM delivery")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException notYet) {
            return 0; // the import creates the tables first
        }
    }

    @Test
    void twoServersWritingTheSameLogIntoOneDatabase_neverCollide(@TempDir Path dir, TestDatabase db) throws Exception {
        List<String> lines = sample(dir, 3_000);
        Path logA = dir.resolve("a_mainlog");
        Path logB = dir.resolve("b_mainlog");
        Files.write(logA, lines);
        Files.write(logB, lines); // the same message ids on both servers: the worst case for keys
        Path confA = config(dir, db, logA, dir.resolve("root"), "web1");
        Path confB = config(dir, db, logB, dir.resolve("root"), "web2");
        List<String> expected = parsed(dir, confA, logA);
        startDaemon(dir, confA);
        startDaemon(dir, confB);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(stored(db, "web1").equals(expected) && stored(db, "web2").equals(expected))) {
            assertTrue(System.nanoTime() < deadline, "both servers' rows: " + stored(db, "web1").size() + " and "
                    + stored(db, "web2").size() + " of " + expected.size() + "\n"
                    + Files.readString(dir.resolve("daemon.out")));
            Thread.sleep(200);
        }
        assertEquals(2 * expected.size(), stored(db).size());
    }

    @Test
    void appendedLine_isSearchableWithinASecond(@TempDir Path dir, TestDatabase db) throws Exception {
        Path log = dir.resolve("exim_mainlog");
        Files.createDirectories(dir.resolve("root"));
        Path conf = config(dir, db, log, dir.resolve("root"));
        Files.writeString(log, "");
        Process daemon = startDaemon(dir, conf);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(dir.resolve("daemon.out")).contains("following") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(500);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = String.format("1xX9eC-%06d-2g", i);
            long t0 = System.nanoTime();
            append(log, List.of("2026-11-28 04:02:48 " + id + " <= a@example.org H=(x) [192.0.2.1] P=esmtp S=5 "
                    + "for bob@example.com"));
            while (count(db, "SELECT COUNT(*) FROM delivery WHERE msgid = '" + id + "'") == 0) {
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "row never appeared");
                Thread.sleep(10);
            }
            delays.add((System.nanoTime() - t0) / 1_000_000);
        }
        Collections.sort(delays);
        assertTrue(delays.get(delays.size() - 1) < 1_000, "append to searchable, ms: " + delays);
        assertTrue(daemon.isAlive());
    }

    private static long count(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if (e.getMessage().contains("doesn't exist")) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * A first start's backfill that stops while the daemon runs on (here the database refuses its
     * old rows, as a trigger an administrator added would) leaves the history missing until the
     * next start: {@code waybill status} says so and what to do, not just "following the log".
     */
    @Test
    void backfillThatStopped_isSaidByStatus_withTheFix(@TempDir Path dir, TestDatabase db) throws Exception {
        Path log = dir.resolve("exim_mainlog");
        Files.createDirectories(dir.resolve("root/etc"));
        Path conf = config(dir, db, log, dir.resolve("root"));
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                .withZone(java.time.ZoneOffset.UTC);
        java.time.Instant now = java.time.Instant.now();
        String old = f.format(now.minusSeconds(2 * 86_400));
        String recent = f.format(now.minusSeconds(60));
        String id = "1xX9eC-000001-aa";
        Files.write(dir.resolve("exim_mainlog.1"), List.of(
                old + " " + id + " <= alice@example.com H=(laptop) [192.0.2.1]:41482 P=esmtpa S=1000 id=a@example.com",
                old + " " + id + " => bob@remote.test R=dkim_lookuphost T=dkim_remote_smtp H=mx.remote.test"
                        + " [192.0.2.9] C=\"250 OK\"",
                old + " " + id + " Completed"));
        Files.write(log, List.of(recent + " 1xX9eC-000002-aa <= carol@example.com H=(x) [192.0.2.1] P=esmtp S=5"));
        try (com.zaxxer.hikari.HikariDataSource ds = db.pool(2); Connection c = ds.getConnection();
             Statement st = c.createStatement()) {
            new dev.waybill.store.DeliveryStore(ds, "daemon-test").prepare();
            st.execute("CREATE TRIGGER refuse_old BEFORE INSERT ON delivery FOR EACH ROW BEGIN"
                    + " IF NEW.sendtime < UNIX_TIMESTAMP() - 86400 THEN"
                    + " SIGNAL SQLSTATE '42000' SET MESSAGE_TEXT = 'old rows refused here'; END IF; END");
        }
        Process daemon = startDaemon(dir, conf);
        Path out = dir.resolve("daemon.out");
        awaitSaid(out, "backfill stopped", 60, "the backfill never stopped");
        String fresh = "1xX9eC-000003-aa";
        append(log, List.of(f.format(java.time.Instant.now()) + " " + fresh + " <= dave@example.com H=(x)"
                + " [192.0.2.1] P=esmtp S=5"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count(db, "SELECT COUNT(*) FROM delivery WHERE msgid = '" + fresh + "'") == 0) {
            assertTrue(System.nanoTime() < deadline, "the tail stores on\n" + Files.readString(out));
            Thread.sleep(50);
        }
        assertTrue(daemon.isAlive());
        assertEquals(0, runJar(dir, "status", "--config", conf.toString()));
        String status = Files.readString(dir.resolve("cmd-status.out"));
        assertTrue(status.contains("backfill") && status.contains("old rows refused here")
                && status.contains("restart"), status);
        // How far the tail has come: the time of the last line it read, and the rows it stored.
        java.util.regex.Matcher last = java.util.regex.Pattern.compile("last_line: (\\S+)").matcher(status);
        assertTrue(last.find(), status);
        long lag = java.time.Duration.between(java.time.Instant.parse(last.group(1)), java.time.Instant.now()).getSeconds();
        assertTrue(lag >= 0 && lag < 60, "the fresh line's time: " + status);
        assertTrue(status.matches("(?s).*rows_stored: [1-9][0-9]*\\R.*"), status);
        assertTrue(status.matches("(?s).*lag_bytes: 0\\R.*"), status);
        // Retention: the window, whether a pass runs, and when the next begins (the first a minute after start).
        assertTrue(status.matches("(?s).*\\Rretention:\\R  days: 30\\R  running: false\\R(  last_\\w+: .*\\R)*  next_pass: \\S+\\R.*"),
                status);
    }
}
