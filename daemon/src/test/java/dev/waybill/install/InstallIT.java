package dev.waybill.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.testing.MariaDbServer;
import dev.waybill.testing.PrivateMariaDb;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * install.sh and uninstall.sh as an administrator runs them: under an install root (without and
 * with an emulated cPanel), once for real on this machine, after a failure, and as a .deb. The
 * database is always a private mariadbd, given to install.sh as the fleet setup gives a central one.
 */
@ExtendWith(PrivateMariaDb.class)
class InstallIT {

    private static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();
    private static final Path RESOURCES = Path.of("src", "test", "resources", "install").toAbsolutePath();
    private static final Path FIXTURE_LOG = Path.of("src", "test", "resources", "fixtures", "exim496-cpanel-like.log")
            .toAbsolutePath();

    record Result(int status, String out) {
    }

    private static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(CHECKOUT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("install-it", ".out");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command[0] + " did not finish: " + Files.readString(out));
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        return new Result(p.exitValue(), text);
    }

    private static List<String> dbOptions(MariaDbServer db, String name) {
        return List.of("--db-host", "127.0.0.1", "--db-port", Integer.toString(db.port()), "--db-admin-user",
                db.user(), "--db-admin-password", db.password(), "--db-name", name, "--db-user", name);
    }

    /** {@link #dbOptions}, and no admin page: what most runs here need, in a list to add to. */
    private static List<String> withoutAdminPage(MariaDbServer db, String name) {
        List<String> opts = new ArrayList<>(dbOptions(db, name));
        opts.addAll(List.of("--admin-listen", "off"));
        return opts;
    }

    private static String[] command(String script, List<String> options, String... more) {
        List<String> c = new ArrayList<>(List.of("bash", CHECKOUT.resolve(script).toString()));
        c.addAll(options);
        c.addAll(List.of(more));
        return c.toArray(String[]::new);
    }

    private static long count(MariaDbServer db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long waitForRows(MariaDbServer db, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (count(db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='" + name
                    + "' AND TABLE_NAME='delivery'") > 0) {
                long rows = count(db, "SELECT COUNT(*) FROM `" + name + "`.delivery");
                if (rows > 0) {
                    return rows;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no rows in " + name + ".delivery within 60 s");
    }

    private static Set<String> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !Files.isDirectory(p)).map(p -> root.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(InstallIT::running).orElse(false);
    }

    /** Alive and not a zombie (a supervisor that ended is left to init, which may reap it late). */
    static boolean running(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            return p.isAlive() && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    private static long pidFrom(Path pidFile) throws IOException {
        return Long.parseLong(Files.readString(pidFile).trim());
    }

    private static Path rootWithLog(Path dir) throws IOException {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("var/log/exim4"));
        Files.copy(FIXTURE_LOG, root.resolve("var/log/exim4/mainlog"));
        return root;
    }

    @Test
    void installUnderRoot_withoutCpanel_runsIngestsIsIdempotentAndUninstallsCleanly(MariaDbServer db,
            @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Set<String> before = files(root);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = new ArrayList<>(dbOptions(db, "wb_plain"));
        opts.addAll(List.of("--admin-listen", "127.0.0.1:0")); // any free port: tests run side by side

        Result dry = run(env, command("install.sh", opts, "--dry-run"));
        assertEquals(0, dry.status(), dry.out());
        assertTrue(dry.out().contains("would: install " + root + "/usr/local/waybill/waybill.jar"), dry.out());
        assertEquals(before, files(root), "--dry-run changed nothing");

        Result first = run(env, command("install.sh", opts));
        assertEquals(0, first.status(), first.out());
        assertTrue(first.out().contains("without systemd"), first.out());
        assertAdminPageWorks(first.out(), root.resolve("etc/waybill/admin.token"));
        Path conf = root.resolve("etc/waybill/waybill.conf");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(conf)));
        long supervisor = pidFrom(root.resolve("var/run/waybill-supervise/supervise.pid"));
        long daemon = pidFrom(root.resolve("var/run/waybill-supervise/waybill.pid"));
        assertTrue(alive(supervisor) && alive(daemon));
        assertTrue(waitForRows(db, "wb_plain") > 10);

        Result status = run(Map.of("WAYBILL_SOCKET", root.resolve("var/run/waybill/waybill.sock").toString()),
                root.resolve("usr/local/bin/waybill").toString(), "status");
        assertEquals(0, status.status(), status.out());
        assertTrue(status.out().contains("following the log"), status.out());

        Result second = run(env, command("install.sh", opts));
        assertEquals(0, second.status(), second.out());
        assertTrue(second.out().contains("nothing to change"), second.out());
        assertEquals(daemon, pidFrom(root.resolve("var/run/waybill-supervise/waybill.pid")), "not restarted");

        Result uninstall = run(env, command("uninstall.sh", List.of()));
        assertEquals(0, uninstall.status(), uninstall.out());
        assertFalse(alive(supervisor) || alive(daemon), "stopped");
        assertTrue(Files.exists(conf), "configuration kept");
        assertEquals(1, count(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='wb_plain'"));
        Result again = run(env, command("uninstall.sh", List.of()));
        assertTrue(again.out().contains("nothing to remove"), again.out());

        // A reinstall over the kept configuration and database picks up where it was.
        Result reinstall = run(env, command("install.sh", opts));
        assertEquals(0, reinstall.status(), reinstall.out());
        assertTrue(reinstall.out().contains("using the database of"), reinstall.out());

        Result purge = run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
        assertEquals(0, purge.status(), purge.out());
        assertEquals(before, files(root), "nothing left behind");
        assertEquals(0, count(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='wb_plain'"));
        assertEquals(0, count(db, "SELECT COUNT(*) FROM mysql.user WHERE User='wb_plain'"));
    }

    /** The address install.sh printed opens the admin page: the token is taken, a cookie given. */
    private static void assertAdminPageWorks(String installOutput, Path tokenFile) throws Exception {
        Matcher m = Pattern.compile("Admin page: +(http://127\\.0\\.0\\.1:\\d+/)\\?token=(\\w+)").matcher(installOutput);
        assertTrue(m.find(), installOutput);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertEquals(Files.readString(tokenFile).strip(), m.group(2));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "?token=" + m.group(2)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, signIn.statusCode(), signIn.body());
        String cookie = signIn.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
        HttpResponse<String> report = http.send(HttpRequest.newBuilder(URI.create(m.group(1)))
                .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, report.statusCode());
        assertTrue(report.body().contains("Delivery report"), report.body());
    }

    private static Path emulatedCpanel(Path dir) throws IOException {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("var/log"));
        Files.copy(FIXTURE_LOG, root.resolve("var/log/exim_mainlog"));
        Path cpanel = root.resolve("usr/local/cpanel");
        Files.createDirectories(cpanel.resolve("scripts"));
        Files.createDirectories(cpanel.resolve("bin"));
        Files.createDirectories(cpanel.resolve("base/frontend/jupiter/dynamicui"));
        Files.createDirectories(cpanel.resolve("whostmgr/docroot/cgi"));
        Files.createDirectories(root.resolve("etc/chkserv.d"));
        Files.writeString(root.resolve("etc/chkserv.d/chkservd.conf"), "exim:1\nmysql:1\n");
        Files.writeString(root.resolve("etc/userdomains"), "example.com: example\n*: nobody\n");
        Path standins = RESOURCES.resolve("cpanel-standins");
        for (String[] s : new String[][] {{"install_plugin", "scripts/install_plugin"},
                {"install_plugin", "scripts/uninstall_plugin"}, {"restartsrv_chkservd", "scripts/restartsrv_chkservd"},
                {"register_appconfig", "bin/register_appconfig"}, {"register_appconfig", "bin/unregister_appconfig"}}) {
            Path target = cpanel.resolve(s[1]);
            Files.copy(standins.resolve(s[0]), target);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return root;
    }

    @Test
    void installUnderEmulatedCpanel_registersPluginAndAppConfig_andUninstallRemovesThem(MariaDbServer db,
            @TempDir Path dir) throws Exception {
        Path root = emulatedCpanel(dir);
        Set<String> before = files(root);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString(), "WAYBILL_PLUGIN_DIR",
                RESOURCES.resolve("plugin").toString());
        List<String> opts = dbOptions(db, "wb_cpanel");
        Result install = run(env, command("install.sh", opts));
        assertEquals(0, install.status(), install.out());
        assertTrue(install.out().contains("cPanel found"), install.out());
        Path plugin = root.resolve("usr/local/waybill/plugin");
        Path calls = root.resolve("cpanel-calls.log");
        assertEquals(List.of("install_plugin " + plugin + " --theme jupiter",
                "register_appconfig " + plugin + "/appconfig/waybill.conf"),
                Files.readAllLines(calls).stream().filter(l -> !l.startsWith("restartsrv")).toList());
        assertTrue(Files.exists(root.resolve("usr/local/cpanel/base/frontend/jupiter/waybill/index.live.pl")));
        assertTrue(Files.exists(root.resolve("usr/local/cpanel/whostmgr/docroot/cgi/waybill/index.cgi")));
        assertTrue(Files.exists(root.resolve("usr/local/cpanel/whostmgr/docroot/addon_plugins/waybill.svg")));
        assertTrue(Files.exists(root.resolve("var/cpanel/apps/waybill.conf")));
        assertTrue(Files.readString(root.resolve("etc/chkserv.d/chkservd.conf")).contains("waybill:1"));
        assertTrue(Files.readString(root.resolve("etc/chkserv.d/waybill"))
                .startsWith("service[waybill]=x,x,x,/usr/bin/systemctl restart waybill.service,java,waybill"));
        assertTrue(waitForRows(db, "wb_cpanel") > 10);

        Result second = run(env, command("install.sh", opts));
        assertTrue(second.out().contains("nothing to change"), second.out());

        Result uninstall = run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
        assertEquals(0, uninstall.status(), uninstall.out());
        // Regression: with the daemon stopped first, chkservd could start it again before its check went.
        assertTrue(uninstall.out().indexOf("remove the chkservd check") < uninstall.out().indexOf("stop the daemon"),
                uninstall.out());
        List<String> all = Files.readAllLines(calls).stream().filter(l -> !l.startsWith("restartsrv")).toList();
        assertEquals(List.of("unregister_appconfig waybill", "uninstall_plugin " + plugin + " --theme jupiter"),
                all.subList(2, all.size()));
        Set<String> after = files(root);
        after.remove("cpanel-calls.log");
        assertEquals(before, after, "nothing left behind");
        assertEquals("exim:1\nmysql:1\n", Files.readString(root.resolve("etc/chkserv.d/chkservd.conf")));
    }

    @Test
    void failedInstall_databaseUnreachable_leavesNothingBehind(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = emulatedCpanel(dir);
        Set<String> before = files(root);
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString(), "WAYBILL_PLUGIN_DIR",
                RESOURCES.resolve("plugin").toString());
        Result r = run(env, command("install.sh", List.of("--db-host", "127.0.0.1", "--db-port",
                Integer.toString(closedPort), "--db-admin-user", "root", "--db-admin-password", "x")));
        assertNotEquals(0, r.status(), r.out());
        assertTrue(r.out().contains("cannot reach the database server"), r.out());
        assertTrue(r.out().contains("rolled back"), r.out());
        assertEquals(before, files(root), "no half-installed state");

        // Unreachable after the database was made: the daemon never gets healthy, and all goes.
        Result late = run(env, command("install.sh", dbOptions(db, "wb_failed"), "--log", "/nonexistent/dir/mainlog",
                "--wait", "1", "--server-id", "bad id with spaces"));
        assertNotEquals(0, late.status(), late.out());
        assertTrue(late.out().contains("rolled back"), late.out());
        Set<String> after = files(root);
        after.remove("cpanel-calls.log");
        assertEquals(before, after, "no half-installed state");
        assertEquals(0, count(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='wb_failed'"));
        assertEquals(0, count(db, "SELECT COUNT(*) FROM mysql.user WHERE User='wb_failed'"));
    }

    /** Regression: an interrupt (Ctrl-C) while a failed run rolled back ended the rollback half done. */
    @Test
    void failedInstall_interruptedWhileRollingBack_stillRollsBackAll(MariaDbServer db, @TempDir Path dir)
            throws Exception {
        Path root = emulatedCpanel(dir);
        // chkservd's restart, also one of the rollback's steps, takes its time: the interrupt comes then.
        Path restart = root.resolve("usr/local/cpanel/scripts/restartsrv_chkservd");
        Files.writeString(restart, "#!/bin/sh\nsleep 2\n");
        Set<String> before = files(root);
        List<String> c = new ArrayList<>(List.of(command("install.sh", dbOptions(db, "wb_interrupted"), "--log",
                "/nonexistent/dir/mainlog", "--wait", "1", "--server-id", "bad id with spaces")));
        ProcessBuilder pb = new ProcessBuilder(c).directory(CHECKOUT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("WAYBILL_ROOT", root.toString(), "WAYBILL_PLUGIN_DIR",
                RESOURCES.resolve("plugin").toString()));
        Path out = dir.resolve("install.out");
        Process install = pb.redirectOutput(out.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(out).contains("rolling back") && install.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, run(Map.of(), "kill", "-INT", Long.toString(install.pid())).status());
        assertTrue(install.waitFor(120, TimeUnit.SECONDS));
        String text = Files.readString(out);
        Files.delete(out);
        assertTrue(text.contains("rolled back"), text);
        Set<String> after = files(root);
        after.remove("cpanel-calls.log");
        assertEquals(before, after, "no half-installed state:\n" + text);
        assertEquals(0, count(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='wb_interrupted'"));
    }

    /** Regression: the password went into the client's options file bare, where '#' starts a comment. */
    @Test
    void install_withAPasswordHoldingOptionFileCharacters_usesIt(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        String password = "p#ss \"w\\rd'";
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE wb_pw");
            st.execute("CREATE USER 'wb_pw'@'127.0.0.1' IDENTIFIED BY 'p#ss \"w\\\\rd'''");
            st.execute("GRANT ALL ON wb_pw.* TO 'wb_pw'@'127.0.0.1'");
        }
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString(), "WAYBILL_DB_PASSWORD", password);
        List<String> opts = List.of("--db-host", "127.0.0.1", "--db-port", Integer.toString(db.port()), "--db-name",
                "wb_pw", "--db-user", "wb_pw", "--admin-listen", "off");
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            assertTrue(install.out().contains("using the existing account wb_pw"), install.out());
            assertTrue(waitForRows(db, "wb_pw") > 10);
            Result second = run(Map.of("WAYBILL_ROOT", root.toString()), command("install.sh", List.of()));
            assertEquals(0, second.status(), second.out());
            assertTrue(second.out().contains("nothing to change"), second.out());
        } finally {
            run(Map.of("WAYBILL_ROOT", root.toString()), command("uninstall.sh", List.of("--purge")));
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS wb_pw");
                st.execute("DROP USER IF EXISTS 'wb_pw'@'127.0.0.1'");
            }
        }
    }

    /** Regression: a Galera or failover db.url (the README's fleet form) stopped install.sh. */
    @Test
    void install_overAConfigurationWithAMultiHostUrl_keepsIt(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE wb_galera");
            st.execute("CREATE USER 'wb_galera'@'127.0.0.1' IDENTIFIED BY 'galera-secret'");
            st.execute("GRANT ALL ON wb_galera.* TO 'wb_galera'@'127.0.0.1'");
        }
        Path conf = root.resolve("etc/waybill/waybill.conf");
        Files.createDirectories(conf.getParent());
        String text = "db.url = jdbc:mariadb:sequential://127.0.0.1:" + db.port() + ",127.0.0.1:" + db.port()
                + "/wb_galera?socketTimeout=300000\ndb.user = wb_galera\ndb.password = galera-secret\n"
                + "log.path = " + root.resolve("var/log/exim4/mainlog") + "\ncpanel.root = " + root + "\n"
                + "socket.path = " + root.resolve("var/run/waybill/waybill.sock") + "\n";
        Files.writeString(conf, text);
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        try {
            Result install = run(env, command("install.sh", List.of("--admin-listen", "off")));
            assertEquals(0, install.status(), install.out());
            assertTrue(install.out().contains("using the database of"), install.out());
            assertTrue(waitForRows(db, "wb_galera") > 10);
            assertEquals(text, Files.readString(conf), "the configuration is kept as it was");
        } finally {
            run(env, command("uninstall.sh", List.of()));
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS wb_galera");
                st.execute("DROP USER IF EXISTS 'wb_galera'@'127.0.0.1'");
            }
        }
    }

    /** Regression: a configuration put in place without database keys got none, and the password made was lost. */
    @Test
    void install_overAConfigurationWithoutDatabaseKeys_addsThemAndKeepsTheRest(MariaDbServer db, @TempDir Path dir)
            throws Exception {
        Path root = rootWithLog(dir);
        Path conf = root.resolve("etc/waybill/waybill.conf");
        Files.createDirectories(conf.getParent());
        String own = "# our fleet's settings\nserver.id = web17\nretention.days = 60\nlog.path = "
                + root.resolve("var/log/exim4/mainlog") + "\ncpanel.root = " + root + "\nsocket.path = "
                + root.resolve("var/run/waybill/waybill.sock") + "\n";
        Files.writeString(conf, own);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = new ArrayList<>(dbOptions(db, "wb_seeded"));
        opts.addAll(List.of("--admin-listen", "off", "--wait", "20"));
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            String text = Files.readString(conf);
            assertTrue(text.startsWith(own), text);
            assertTrue(text.contains("db.url = jdbc:mariadb://127.0.0.1:" + db.port() + "/wb_seeded\n"), text);
            assertTrue(waitForRows(db, "wb_seeded") > 10);
            assertEquals(1, count(db, "SELECT COUNT(*) FROM `wb_seeded`.server WHERE name = 'web17'"));
        } finally {
            run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                    Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
        }
        assertEquals(0, count(db, "SELECT COUNT(*) FROM mysql.user WHERE User='wb_seeded'"));
    }

    /**
     * install.sh reads a kept configuration as the daemon does: keys in any case, a byte order
     * mark before the first, CRLF line ends. Read otherwise, a file whose db.url the daemon takes
     * looked as if it had none, and got a second one added, which the daemon refuses.
     */
    @Test
    void scriptsReadAConfigurationAsTheDaemonDoes(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("waybill.conf");
        Files.writeString(conf, "\uFEFFDB.URL = jdbc:mariadb://db.example.net:3307/waybill\r\nDb.User = wb \r\n"
                + "db.password = s3cret\r\nServer.Id = web18\r\n");
        dev.waybill.config.WaybillConfig daemon = dev.waybill.config.WaybillConfig.read(conf);
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source \"$1\" && for k in db.url db.user server.id; do"
                + " echo \"$(conf_get \"$2\" \"$k\")\"; done", "lib", CHECKOUT.resolve("packaging/lib.sh").toString(),
                conf.toString()).redirectErrorStream(true);
        pb.environment().put("WAYBILL_ROOT", dir.resolve("root").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals(daemon.dbUrl() + "\n" + daemon.dbUser() + "\n" + daemon.serverId() + "\n", out);
    }

    /**
     * Regression: the rollback of a run that had started MariaDB itself killed the PID in the
     * server's PID file, which the mysql user can write, whatever process it named; and it waited
     * for ever for a server that did not stop.
     */
    @Test
    void rollback_stopsTheDatabaseServerItStarted_andNoProcessElseItsPidFileNames(@TempDir Path dir)
            throws Exception {
        Path pidFile = dir.resolve("waybill-started.pid");
        Process server = new ProcessBuilder(Files.createSymbolicLink(dir.resolve("mariadbd"), Path.of("/bin/sleep"))
                .toString(), "120").start();
        Process other = new ProcessBuilder("sleep", "120").start();
        Files.createDirectory(dir.resolve("stuck"));
        Process stuck = new ProcessBuilder(Files.createSymbolicLink(dir.resolve("stuck/mysqld"),
                Path.of("/usr/bin/perl")).toString(), "-e", "$| = 1; $SIG{TERM} = 'IGNORE'; print qq(ready\\n); sleep 120")
                .start();
        assertEquals("ready", new String(stuck.getInputStream().readNBytes(5), StandardCharsets.UTF_8));
        // install.sh's own functions, as its rollback runs them, with the PID file moved here.
        String[] stop = {"bash", "-c", "source \"$1\" && source <(sed -n '/^stop_db_server_directly() {/,/^}/p;"
                + " /^is_db_server() {/,/^}/p' \"$2\") && DB_STARTED_PID=$3 && stop_db_server_directly; cleanup_work",
                "stop",
                CHECKOUT.resolve("packaging/lib.sh").toString(), CHECKOUT.resolve("install.sh").toString(),
                pidFile.toString()};
        Map<String, String> env = Map.of("WAYBILL_ROOT", dir.resolve("root").toString());
        try {
            Files.writeString(pidFile, other.pid() + "\n");
            Result refused = run(env, stop);
            assertEquals(0, refused.status(), refused.out());
            assertTrue(refused.out().contains("names no database server"), refused.out());
            assertTrue(other.isAlive(), "killed the process the PID file named: " + refused.out());
            Files.writeString(pidFile, server.pid() + "\n");
            Result stopped = run(env, stop);
            assertEquals(0, stopped.status(), stopped.out());
            assertTrue(server.waitFor(10, TimeUnit.SECONDS), "the server left running: " + stopped.out());
            // A server that does not stop: the rollback goes on after 30 s, and leaves it be.
            Files.writeString(pidFile, stuck.pid() + "\n");
            long started = System.nanoTime();
            Result waited = run(env, stop);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            assertEquals(0, waited.status(), waited.out());
            assertTrue(waited.out().contains("has not stopped within 30 s"), waited.out());
            assertTrue(seconds >= 29 && seconds < 90, seconds + " s");
            assertTrue(stuck.isAlive(), "never killed");
        } finally {
            server.destroyForcibly();
            other.destroyForcibly();
            stuck.destroyForcibly();
        }
    }

    /** The daemon's pid as it answers on its socket, or -1 while nothing answers. */
    private static long daemonPid(Path root) throws Exception {
        Result status = run(Map.of("WAYBILL_SOCKET", root.resolve("var/run/waybill/waybill.sock").toString()),
                root.resolve("usr/local/bin/waybill").toString(), "status", "--json");
        Matcher m = Pattern.compile("\"pid\":(\\d+)").matcher(status.out());
        return status.status() == 0 && m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Regression: the supervisor (root) wrote its PID files, and install.sh its record, into
     * directories the daemon's own user owns, where that user could put a link to any file of root's.
     */
    @Test
    void rootWritesNothing_intoTheDaemonUsersDirectories(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = withoutAdminPage(db, "wb_links");
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "precious\n");
        ProcessHandle supervisor = null;
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            long daemon = daemonPid(root);
            assertTrue(daemon > 0);
            supervisor = ProcessHandle.of(daemon).flatMap(ProcessHandle::parent).orElseThrow();
            // What a real install gives the daemon's user (nobody stands in for it here), and what
            // that user, compromised, can do there: put links where root's files were or will be.
            String owned = root.resolve("var/run/waybill") + " " + root.resolve("var/lib/waybill");
            assertEquals(0, run(Map.of(), "chown", "-R", "nobody", root.resolve("var/run/waybill").toString(),
                    root.resolve("var/lib/waybill").toString()).status());
            Result plant = run(Map.of("VICTIM", victim.toString()), "setpriv", "--reuid=nobody", "--regid=nogroup",
                    "--clear-groups", "sh", "-c", "for d in " + owned + "; do for f in \"$d\"/*; do"
                    + " [ -f \"$f\" ] && [ ! -L \"$f\" ] && ln -sfn \"$VICTIM\" \"$f\"; done; done;"
                    + " rm -f " + root.resolve("var/lib/waybill/install.state") + "; ln -s \"$VICTIM\" "
                    + root.resolve("var/lib/waybill/install.state.waybill-new") + "; exit 0");
            assertEquals(0, plant.status(), plant.out());
            // The daemon dies (as its user can make it) and is started again by the supervisor.
            ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long again = -1;
            while (System.nanoTime() < deadline && (again <= 0 || again == daemon)) {
                Thread.sleep(250);
                again = daemonPid(root);
            }
            assertTrue(again > 0 && again != daemon, "restarted");
            Result rerun = run(env, command("install.sh", opts));
            assertEquals(0, rerun.status(), rerun.out());
            assertEquals("precious\n", Files.readString(victim), "root wrote through the daemon user's link");
        } finally {
            Result purge = run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                    Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
            if (supervisor != null && supervisor.isAlive()) { // its PID file lost to a link: not found by uninstall
                supervisor.descendants().forEach(ProcessHandle::destroyForcibly);
                supervisor.destroyForcibly();
            }
            assertEquals(0, purge.status(), purge.out());
        }
    }

    /** Regression: options a run over a kept configuration could not apply were passed over without a word. */
    @Test
    void install_again_withOptionsTheKeptConfigurationOverrides_saysSo(MariaDbServer db, @TempDir Path dir)
            throws Exception {
        Path root = rootWithLog(dir);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = withoutAdminPage(db, "wb_again");
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            Result again = run(env, command("install.sh", opts, "--retention-days", "60", "--server-id", "web9"));
            assertEquals(0, again.status(), again.out());
            String conf = root.resolve("etc/waybill/waybill.conf").toString();
            assertTrue(again.out().contains("warning: --retention-days 60 is not applied: " + conf
                    + " is kept as it is (retention.days: the default)"), again.out());
            assertTrue(again.out().contains("warning: --server-id web9 is not applied"), again.out());
            assertFalse(again.out().contains("--log"), again.out());
        } finally {
            run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                    Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
        }
    }

    /**
     * Regression: a user waybill found in place was taken as the daemon's whatever it was, also a
     * hosting account (cPanel names one after its domain), whose owner would then own the socket.
     */
    @Test
    void install_withAnAccountNamedWaybill_stopsAndLeavesIt(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Path passwd = Files.createDirectories(root.resolve("etc")).resolve("passwd");
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/bash\nwaybill:x:1501:1501::/home/waybill:/bin/bash\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nwaybill:x:1501:\n");
        Set<String> before = files(root);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = withoutAdminPage(db, "wb_account");
        Result install = run(env, command("install.sh", opts));
        try {
            assertNotEquals(0, install.status(), install.out());
            assertTrue(install.out().contains("a user waybill exists (uid 1501, shell /bin/bash) and is not a system"
                    + " account"), install.out());
            assertEquals(before, files(root), "nothing changed");
        } finally {
            if (install.status() == 0) {
                run(env, command("uninstall.sh", List.of("--purge")));
            }
        }
    }

    /** Regression: a command of the administrator's own named /usr/local/bin/waybill was replaced, and lost. */
    @Test
    void install_overAnotherCommandNamedWaybill_stopsAndKeepsIt(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Path own = root.resolve("usr/local/bin/waybill");
        Files.createDirectories(own.getParent());
        Files.writeString(own, "#!/bin/sh\necho our own waybill\n");
        List<String> opts = withoutAdminPage(db, "wb_own");
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        Result install = run(env, command("install.sh", opts));
        try {
            assertNotEquals(0, install.status(), install.out());
            assertTrue(install.out().contains(own + " is there and is not Waybill's"), install.out());
            assertEquals("#!/bin/sh\necho our own waybill\n", Files.readString(own));
            assertFalse(Files.exists(root.resolve("usr/local/waybill")), "rolled back");
        } finally {
            if (install.status() == 0) {
                run(env, command("uninstall.sh", List.of("--purge")));
            }
        }
    }

    /**
     * Regression: a run over a configuration moved to another database (a fleet's central one)
     * recorded that database as made by install.sh, as the first run's was, and --purge dropped it.
     */
    @Test
    void purge_afterTheConfigurationMovedToAnotherDatabase_dropsNotThatOne(MariaDbServer db, @TempDir Path dir)
            throws Exception {
        Path root = rootWithLog(dir);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = withoutAdminPage(db, "wb_first");
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE wb_central");
                st.execute("CREATE USER 'wb_central'@'127.0.0.1' IDENTIFIED BY 'central-secret'");
                st.execute("GRANT ALL ON wb_central.* TO 'wb_central'@'127.0.0.1'");
            }
            Path conf = root.resolve("etc/waybill/waybill.conf");
            Files.writeString(conf, Files.readString(conf)
                    .replaceAll("(?m)^db\\.url = .*$", "db.url = jdbc:mariadb://127.0.0.1:" + db.port() + "/wb_central")
                    .replaceAll("(?m)^db\\.user = .*$", "db.user = wb_central")
                    .replaceAll("(?m)^db\\.password = .*$", "db.password = central-secret"));
            Result moved = run(env, command("install.sh", List.of("--admin-listen", "off")));
            assertEquals(0, moved.status(), moved.out());
            assertTrue(moved.out().contains("using the database of"), moved.out());

            Result purge = run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                    Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
            assertEquals(0, purge.status(), purge.out());
            assertEquals(1, count(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='wb_central'"),
                    purge.out());
            assertEquals(1, count(db, "SELECT COUNT(*) FROM mysql.user WHERE User='wb_central'"), purge.out());
        } finally {
            run(env, command("uninstall.sh", List.of("--purge", "--keep-database")));
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                for (String name : List.of("wb_first", "wb_central")) {
                    st.execute("DROP DATABASE IF EXISTS " + name);
                    st.execute("DROP USER IF EXISTS '" + name + "'@'127.0.0.1'");
                    st.execute("DROP USER IF EXISTS '" + name + "'@'localhost'");
                }
            }
        }
    }

    /**
     * Regression: --purge without --db-host went to this server's own database server, not the
     * one install.sh had made the database on, and could drop a database of that name there; one
     * given another --db-host did too.
     */
    @Test
    void purge_dropsOnTheServerInstallUsed(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = withoutAdminPage(db, "wb_where");
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            List<String> admin = List.of("--purge", "--db-admin-user", db.user(), "--db-admin-password", db.password());
            Result purge = run(env, command("uninstall.sh", admin));
            assertEquals(0, purge.status(), purge.out());
            assertEquals(0, count(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='wb_where'"),
                    purge.out());
            assertEquals(0, count(db, "SELECT COUNT(*) FROM mysql.user WHERE User='wb_where'"), purge.out());
            assertTrue(purge.out().contains("in the database on 127.0.0.1"), purge.out());

            Result again = run(env, command("install.sh", opts));
            assertEquals(0, again.status(), again.out());
            List<String> elsewhere = new ArrayList<>(admin);
            elsewhere.addAll(List.of("--db-host", "db.elsewhere.invalid"));
            Result refused = run(env, command("uninstall.sh", elsewhere));
            assertTrue(refused.out().contains("not dropping them: install.sh made them on 127.0.0.1:" + db.port()),
                    refused.out());
            assertEquals(1, count(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='wb_where'"));
        } finally {
            run(env, command("uninstall.sh", List.of("--purge", "--keep-database")));
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS wb_where");
                st.execute("DROP USER IF EXISTS 'wb_where'@'127.0.0.1'");
                st.execute("DROP USER IF EXISTS 'wb_where'@'localhost'");
            }
        }
    }

    /**
     * Regression: a run that restarted a running daemon (new files) and then failed rolled the
     * files back but left the daemon stopped, where it had been running before.
     */
    @Test
    void failedRunOverARunningInstall_leavesTheDaemonRunning(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = withoutAdminPage(db, "wb_rerun");
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            long before = daemonPid(root);
            assertTrue(before > 0);
            Path readme = root.resolve("usr/local/waybill/README.md");
            Files.writeString(readme, "changed\n"); // what an upgrade's new files make: a restart
            Result failed = run(env, command("install.sh", opts, "--wait", "0"));
            assertNotEquals(0, failed.status(), failed.out());
            assertTrue(failed.out().contains("restart the daemon") && failed.out().contains("rolled back"),
                    failed.out());
            assertEquals("changed\n", Files.readString(readme), "the file as it was before that run");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long after = -1;
            while (System.nanoTime() < deadline && after <= 0) {
                Thread.sleep(250);
                after = daemonPid(root);
            }
            assertTrue(after > 0, "the daemon answers after the rollback:\n" + failed.out());
        } finally {
            run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                    Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
        }
    }

    /**
     * Regression: two runs at once (a package's post-install step and an administrator's) were
     * not kept apart, and each changed, or rolled back, what the other had just put in place.
     */
    @Test
    void install_whileAnotherRunIsUnderWay_waitsForItThenStopsNamingIt(@TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Path lock = Files.createDirectories(root.resolve("var/lib/waybill")).resolve("install.lock");
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString(), "WAYBILL_LOCK_WAIT", "1");
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        // The other run, as install.sh holds the lock: its PID and name in the file.
        Process other = holdLock(lock, 60);
        try {
            Set<String> before = files(root);
            Result r = run(env, command("install.sh", List.of("--db-host", "127.0.0.1", "--db-port",
                    Integer.toString(closedPort), "--db-admin-user", "root", "--db-admin-password", "x")));
            assertNotEquals(0, r.status(), r.out());
            assertTrue(r.out().contains("another run is under way: install.sh (PID " + other.pid() + ")"), r.out());
            assertFalse(r.out().contains("cannot reach the database server"), "went on beside it: " + r.out());
            assertEquals(before, files(root), "changed something beside it");
        } finally {
            other.destroyForcibly().waitFor();
        }
        // One that ends within the wait is waited for.
        Process brief = holdLock(lock, 2);
        Result uninstall = run(Map.of("WAYBILL_ROOT", root.toString()), command("uninstall.sh", List.of()));
        assertEquals(0, uninstall.status(), uninstall.out());
        assertTrue(uninstall.out().contains("waiting up to"), uninstall.out());
        assertFalse(brief.isAlive(), "did not wait for it: " + uninstall.out());
    }

    /** A stand-in for another install.sh: takes the lock, says so in its file, holds it SECONDS. */
    private static Process holdLock(Path lock, int seconds) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "exec 9>>\"$1\" && flock 9 && echo \"$$ install.sh\" >\"$1\""
                + " && sleep " + seconds, "other", lock.toString()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(Files.exists(lock) && Files.readString(lock).startsWith(p.pid() + " "))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return p;
    }

    /**
     * Regression: a supervisor killed (SIGKILL) left its daemon running unsupervised, and the
     * next run started a second daemon beside it.
     */
    @Test
    void install_afterTheSupervisorWasKilled_leavesOneDaemon(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> opts = withoutAdminPage(db, "wb_orphan");
        Path pids = root.resolve("var/run/waybill-supervise");
        long daemon = -1;
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            long supervisor = pidFrom(pids.resolve("supervise.pid"));
            daemon = pidFrom(pids.resolve("waybill.pid"));
            assertEquals(0, run(Map.of(), "kill", "-KILL", Long.toString(supervisor)).status());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (alive(supervisor) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(alive(daemon), "the daemon runs on without its supervisor");
            Result rerun = run(env, command("install.sh", opts));
            assertEquals(0, rerun.status(), rerun.out());
            long now = pidFrom(pids.resolve("waybill.pid"));
            assertTrue(alive(now), rerun.out());
            assertFalse(alive(daemon), "two daemons: " + daemon + " and " + now + "\n" + rerun.out());
            assertTrue(rerun.out().contains("without its supervisor"), rerun.out());
            // uninstall.sh stops one left so, too.
            daemon = now;
            assertEquals(0, run(Map.of(), "kill", "-KILL", Long.toString(pidFrom(pids.resolve("supervise.pid"))))
                    .status());
            Result uninstall = run(env, command("uninstall.sh", List.of()));
            assertEquals(0, uninstall.status(), uninstall.out());
            assertFalse(alive(daemon), "left running: " + uninstall.out());
        } finally {
            run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                    Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
            ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Regression: the statements install.sh ran as the database administrator were the client's
     * arguments, so the generated password of CREATE USER stood in every user's process listing.
     */
    @Test
    void install_givesTheDatabaseClientNoPasswordOnItsCommandLine(MariaDbServer db, @TempDir Path dir)
            throws Exception {
        Path root = rootWithLog(dir);
        String client = run(Map.of(), "bash", "-c", "command -v mariadb || command -v mysql").out().strip();
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path arguments = dir.resolve("client-arguments");
        Path wrapper = bin.resolve("mariadb");
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' \"$*\" >>'" + arguments + "'\nexec '" + client
                + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString(), "PATH", bin + ":" + System.getenv("PATH"));
        List<String> opts = withoutAdminPage(db, "wb_argv");
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            String password = run(Map.of(), "sed", "-n", "s/^db.password = //p",
                    root.resolve("etc/waybill/waybill.conf").toString()).out().strip();
            assertTrue(password.length() >= 24, password);
            String seen = Files.readString(arguments);
            assertTrue(seen.contains("--batch"), seen);
            assertFalse(seen.contains(password), "the password on the client's command line:\n" + seen);
        } finally {
            run(env, command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1", "--db-port",
                    Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password", db.password())));
        }
        assertEquals(0, count(db, "SELECT COUNT(*) FROM mysql.user WHERE User='wb_argv'"), "purge ran its statements");
    }

    /**
     * Regression: --purge where install.state was missing removed a system user waybill (and its
     * group) that install.sh had not made. The root's etc/passwd and etc/group stand for the
     * machine's user database.
     */
    @Test
    void purge_removesOnlyASystemUserInstallRecordedMaking(MariaDbServer db, @TempDir Path dir) throws Exception {
        Path root = rootWithLog(dir);
        Path passwd = root.resolve("etc/passwd");
        Path group = root.resolve("etc/group");
        Files.createDirectories(root.resolve("etc/waybill"));
        Files.writeString(root.resolve("etc/waybill/waybill.conf"), "server.id = web3\n");
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/bash\nwaybill:x:990:990:another program:/:/bin/false\n");
        Files.writeString(group, "root:x:0:\nwaybill:x:990:\n");
        Map<String, String> env = Map.of("WAYBILL_ROOT", root.toString());
        List<String> purgeOpts = List.of("--purge", "--db-host", "127.0.0.1", "--db-port", Integer.toString(db.port()),
                "--db-admin-user", db.user(), "--db-admin-password", db.password());

        Result leftover = run(env, command("uninstall.sh", purgeOpts));
        assertEquals(0, leftover.status(), leftover.out());
        assertTrue(leftover.out().contains("leaving the system user waybill"), leftover.out());
        assertTrue(Files.readString(passwd).contains("waybill:x:990:990:another program"), "the other user is kept");
        assertTrue(Files.readString(group).contains("waybill:x:990:"), "its group is kept");

        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(group, "root:x:0:\n");
        List<String> opts = withoutAdminPage(db, "wb_user");
        try {
            Result install = run(env, command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            assertTrue(install.out().contains("create the system user waybill"), install.out());
            assertTrue(Files.readString(passwd).contains("\nwaybill:"), Files.readString(passwd));
        } finally {
            Result purge = run(env, command("uninstall.sh", purgeOpts));
            assertEquals(0, purge.status(), purge.out());
        }
        assertEquals("root:x:0:0:root:/root:/bin/bash\n", Files.readString(passwd), "the user it made is removed");
        assertEquals("root:x:0:\n", Files.readString(group), "and its group");
    }

    private static final List<Path> SYSTEM_PATHS = Stream.of("/usr/local/waybill", "/usr/local/bin/waybill",
            "/etc/waybill", "/var/lib/waybill", "/var/log/waybill", "/var/run/waybill", "/var/run/waybill-supervise",
            "/usr/lib/systemd/system/waybill.service").map(Path::of).toList();

    private static void assertNoWaybillOnThisMachine(String when) throws Exception {
        for (Path p : SYSTEM_PATHS) {
            assertFalse(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), when + ": " + p + " exists");
        }
        assertNotEquals(0, run(Map.of(), "id", "waybill").status(), when + ": the system user waybill exists");
    }

    /** What the installed daemon logged, for a failure's message. */
    private static String daemonLog() {
        try {
            return Files.readString(Path.of("/var/log/waybill/waybill.log"));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String owner(long pid) throws Exception {
        return run(Map.of(), "ps", "-o", "user=", "-p", Long.toString(pid)).out().trim();
    }

    @Test
    void installOnThisMachine_withoutRoot_runsAsItsOwnUserAndPurgeLeavesNothing(MariaDbServer db, @TempDir Path dir)
            throws Exception {
        assertNoWaybillOnThisMachine("before");
        Path log = dir.resolve("exim/mainlog");
        Files.createDirectories(log.getParent());
        Files.copy(FIXTURE_LOG, log);
        List<String> opts = new ArrayList<>(dbOptions(db, "wb_real"));
        opts.addAll(List.of("--log", log.toString(), "--admin-listen", "127.0.0.1:0"));
        try {
            Result install = run(Map.of(), command("install.sh", opts));
            assertEquals(0, install.status(), install.out());
            long daemon = pidFrom(Path.of("/var/run/waybill-supervise/waybill.pid"));
            assertEquals("waybill", owner(daemon), "the daemon runs as its own user");
            long rows = waitForRows(db, "wb_real");
            assertTrue(rows > 10, () -> rows + " rows; the daemon's log:\n" + daemonLog());
            Result status = run(Map.of(), "/usr/local/bin/waybill", "status");
            assertEquals(0, status.status(), status.out());
            assertTrue(run(Map.of(), command("install.sh", opts)).out().contains("nothing to change"));
        } finally {
            Result purge = run(Map.of(), command("uninstall.sh", List.of("--purge", "--db-host", "127.0.0.1",
                    "--db-port", Integer.toString(db.port()), "--db-admin-user", db.user(), "--db-admin-password",
                    db.password())));
            assertEquals(0, purge.status(), purge.out());
        }
        assertNoWaybillOnThisMachine("after --purge");
        assertEquals(0, count(db, "SELECT COUNT(*) FROM mysql.user WHERE User='wb_real'"));
    }

    @Test
    void packages_buildWithTheSameLayout_andTheDebInstallsRunsAndPurges(MariaDbServer db, @TempDir Path dir)
            throws Exception {
        Result build = run(Map.of(), "bash", "packaging/build-packages.sh");
        assertEquals(0, build.status(), build.out());
        Path dist = CHECKOUT.resolve("packaging/dist");
        Path deb;
        Path rpm;
        try (Stream<Path> s = Files.list(dist)) {
            List<Path> all = s.toList();
            deb = all.stream().filter(p -> p.toString().endsWith(".deb")).findFirst().orElseThrow();
            rpm = all.stream().filter(p -> p.toString().endsWith(".rpm")).findFirst().orElseThrow();
        }
        String rpmFiles = run(Map.of(), "rpm", "-qlp", rpm.toString()).out();
        String debFiles = run(Map.of(), "dpkg-deb", "-c", deb.toString()).out();
        for (String f : List.of("/usr/local/waybill/waybill.jar", "/usr/local/waybill/bin/waybill",
                "/usr/local/waybill/libexec/install.sh", "/usr/local/waybill/libexec/uninstall.sh",
                "/usr/local/waybill/libexec/lib.sh", "/usr/local/bin/waybill", "/usr/lib/systemd/system/waybill.service")) {
            assertTrue(rpmFiles.contains(f + "\n"), "rpm has " + f + ":\n" + rpmFiles);
            assertTrue(debFiles.contains("." + f), "deb has " + f + ":\n" + debFiles);
        }
        assertTrue(run(Map.of(), "rpm", "-qp", "--scripts", rpm.toString()).out()
                .contains("/usr/local/waybill/libexec/install.sh --package"));

        // The fleet way: the configuration (a database account made by the DBA) is there first.
        assertNoWaybillOnThisMachine("before dpkg -i");
        Path log = dir.resolve("exim/mainlog");
        Files.createDirectories(log.getParent());
        Files.copy(FIXTURE_LOG, log);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE wb_deb");
            st.execute("CREATE USER 'wb_deb'@'127.0.0.1' IDENTIFIED BY 'deb-secret'");
            st.execute("GRANT ALL ON wb_deb.* TO 'wb_deb'@'127.0.0.1'");
        }
        Path conf = Path.of("/etc/waybill/waybill.conf");
        try {
            Files.createDirectories(conf.getParent());
            Files.writeString(conf, "db.url = jdbc:mariadb://127.0.0.1:" + db.port() + "/wb_deb\ndb.user = wb_deb\n"
                    + "db.password = deb-secret\nlog.path = " + log + "\n");
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
            Result install = run(Map.of(), "dpkg", "-i", deb.toString());
            assertEquals(0, install.status(), install.out());
            assertTrue(install.out().contains("answers health"), install.out());
            assertTrue(waitForRows(db, "wb_deb") > 10);
            Result status = run(Map.of(), "/usr/local/bin/waybill", "status");
            assertEquals(0, status.status(), status.out());
        } finally {
            Result purge = run(Map.of(), "dpkg", "--purge", "waybill");
            assertEquals(0, purge.status(), purge.out());
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS wb_deb");
                st.execute("DROP USER IF EXISTS 'wb_deb'@'127.0.0.1'");
            }
        }
        assertNoWaybillOnThisMachine("after dpkg --purge");
    }
}
