package dev.waybill.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WaybillConfigTest {

    /** The reference file shipped to /etc/waybill, from the repository. */
    private static final Path REFERENCE = Path.of("..", "packaging", "waybill.conf");

    private static Path write(Path dir, String text) throws IOException {
        Path f = dir.resolve("waybill.conf");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @Test
    void read_everyKey(@TempDir Path dir) throws Exception {
        Path f = write(dir, """
                # comment
                db.url = jdbc:mariadb://127.0.0.1:3306/waybill
                db.user = waybill
                db.password = s3cret = with equals
                db.pool.size = 8
                log.path = /var/log/exim_mainlog
                log.timezone = Europe/Berlin
                cpanel.root = %s
                socket.path = /run/waybill/w.sock
                server.id = web-1.example
                retention.days = 90
                """.formatted(dir));
        WaybillConfig c = WaybillConfig.read(f).requireDatabase();
        assertEquals("jdbc:mariadb://127.0.0.1:3306/waybill", c.dbUrl());
        assertEquals("waybill", c.dbUser());
        assertEquals("s3cret = with equals", c.dbPassword(), "only the first '=' separates");
        assertEquals(8, c.dbPoolSize());
        assertEquals(Path.of("/var/log/exim_mainlog"), c.logPath());
        assertEquals(ZoneId.of("Europe/Berlin"), c.logTimezone());
        assertEquals(dir, c.cpanelRoot());
        assertEquals(Path.of("/run/waybill/w.sock"), c.socketPath());
        assertEquals("web-1.example", c.serverId());
        assertEquals(90, c.retentionDays());
        assertTrue(c.warnings().isEmpty());
        assertEquals(f, c.source());
    }

    @Test
    void defaults_areUsableWithoutAFile() throws Exception {
        WaybillConfig c = WaybillConfig.defaults();
        assertEquals(30, c.retentionDays());
        assertEquals(Path.of("/var/run/waybill/waybill.sock"), c.socketPath());
        assertEquals(Path.of("/"), c.cpanelRoot());
        assertTrue(WaybillConfig.DEFAULT_LOG_PATHS.contains(c.logPath()));
        assertNull(c.dbUrl());
        ConfigException e = assertThrows(ConfigException.class, c::requireDatabase);
        assertTrue(e.getMessage().contains("db.url is not set"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "retention.days = 0 | retention.days = '0' is not valid: expected a whole number from 1 to 3650",
        "retention.days = ten | retention.days = 'ten' is not valid",
        "db.pool.size = 65 | db.pool.size = '65' is not valid",
        "db.url = postgres://x | db.url = 'postgres://x' is not valid: expected a MariaDB JDBC URL",
        "db.url = jdbc:mariadb:/bad url | db.url = 'jdbc:mariadb:/bad url' is not valid: expected a MariaDB JDBC URL",
        "retention.days = \uFF13\uFF10 | is not valid: expected a whole number from 1 to 3650",
        "log.path = / | log.path = '/' is not valid: expected Exim's main log file, not a directory",
        "log.timezone = Mars/Base | log.timezone = 'Mars/Base' is not valid",
        "server.id = web 1 | server.id = 'web 1' is not valid",
        "socket.path = relative.sock | socket.path = 'relative.sock' is not valid: expected an absolute path",
        "cpanel.root = /no/such/dir | cpanel.root = '/no/such/dir' is not valid",
        "retention.dayz = 3 | :1: unknown key 'retention.dayz'",
        "just words | :1: expected 'key = value'",
        "server.id = | :1: 'server.id' is empty",
        "admin.listen = 0.0.0.0:8470 | admin.listen = '0.0.0.0:8470' is not valid: expected a loopback address",
        "admin.listen = 192.0.2.7:8470 | never listens on another interface (reach it from elsewhere through an SSH tunnel)",
        "admin.listen = [::]:8470 | admin.listen = '[::]:8470' is not valid: expected a loopback address",
        "admin.listen = [fe80::1]:8470 | admin.listen = '[fe80::1]:8470' is not valid",
        "admin.listen = admin.example.com:8470 | (an IP address, not a name)",
        "admin.listen = 127.0.0.1 | admin.listen = '127.0.0.1' is not valid",
        "admin.listen = 127.0.0.1:65536 | a port from 0 (any free one) to 65535",
        "admin.listen = 127.0.0.300:8470 | admin.listen = '127.0.0.300:8470' is not valid",
        "admin.token.file = admin.token | admin.token.file = 'admin.token' is not valid: expected an absolute path",
        "admin.token.file = | :1: 'admin.token.file' is empty",
        "db.url = jdbc:mysql://db:3307/waybill | db.url = 'jdbc:mysql://db:3307/waybill' is not valid: expected jdbc:mariadb://db:3307/waybill (jdbc:mariadb: for MySQL as well",
        "db.url = jdbc:mariadb://127.0.0.1:99999/waybill | a port from 1 to 65535 after the host (3306 when left out), not 99999",
        "db.url = jdbc:mariadb:sequential://a:3306,b:0/waybill | a port from 1 to 65535 after the host (3306 when left out), not 0",
        "db.url = jdbc:mariadb://127.0.0.1:3306/ | :1: db.url = 'jdbc:mariadb://127.0.0.1:3306/' is not valid: expected the database's name after the host and port, as in jdbc:mariadb://127.0.0.1:3306/waybill",
        "db.url = jdbc:mariadb://127.0.0.1?socketTimeout=300000 | expected the database's name after the host and port, as in jdbc:mariadb://127.0.0.1/waybill?socketTimeout=300000",
        "log.path = var/log/exim_mainlog | :1: log.path = 'var/log/exim_mainlog' is not valid: expected an absolute path",
        "cpanel.root = . | :1: cpanel.root = '.' is not valid: expected an absolute path",
        "log.path = \"/var/log/exim_mainlog\" | :1: log.path = \"/var/log/exim_mainlog\" is not valid: drop the quotes",
        "db.user = \"waybill\" | :1: db.user = \"waybill\" is not valid: drop the quotes",
    })
    void read_badValue_isOneLineNamingTheKey(String line, String expected, @TempDir Path dir) throws IOException {
        Path f = write(dir, line + "\n");
        ConfigException e = assertThrows(ConfigException.class, () -> WaybillConfig.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    private static final String DATABASE = "db.url = jdbc:mariadb://127.0.0.1:3306/waybill\ndb.user = waybill\n";

    /** Regression: the default came from a DNS lookup, and was "localhost" when the name did not resolve. */
    @Test
    void defaultServerId_isTheKernelsShortHostName_lowerCased_withoutALookup(@TempDir Path dir) throws Exception {
        Path host = dir.resolve("hostname");
        Files.writeString(host, "Web17.dc1.example.invalid\n");
        WaybillConfig c = WaybillConfig.read(write(dir, DATABASE), host).requireDatabase();
        assertEquals("web17", c.serverId());
    }

    /**
     * Without server.id, a host name that cannot tell servers apart (or none) gives the name
     * earlier versions wrote under then, 'localhost', so that such a server starts and keeps its
     * history; and says why and what to set before another server shares the database.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "localhost | the host name 'localhost' cannot tell this server from another",
        "localhost.localdomain | the host name 'localhost.localdomain' cannot tell this server from another",
        "web_1+x | the host name 'web_1+x' cannot tell this server from another",
        "(none) | the host name cannot be read from",
        "'' | the host name cannot be read from",
    })
    void defaultServerId_hostNameThatCannotNameTheServer_isLocalhost_andSaid(String name, String why, @TempDir Path dir)
            throws Exception {
        Path host = dir.resolve("hostname");
        Files.writeString(host, name + "\n");
        Path f = write(dir, DATABASE);
        WaybillConfig c = WaybillConfig.read(f, host).requireDatabase();
        assertEquals("localhost", c.serverId());
        assertTrue(c.serverIdNote().startsWith("server.id is not set and " + why)
                && c.serverIdNote().contains("set server.id"), c.serverIdNote());
        assertEquals("localhost", WaybillConfig.read(f, dir.resolve("no-such-file")).requireDatabase().serverId());
        Files.writeString(f, DATABASE + "server.id = web1\n");
        assertEquals("web1", WaybillConfig.read(f, host).requireDatabase().serverId());
        assertEquals(null, WaybillConfig.read(f, host).serverIdNote());
    }

    /** The database compares server names without regard to case: so does the configuration. */
    @Test
    void read_serverIdInUpperCase_isLowerCased(@TempDir Path dir) throws Exception {
        assertEquals("web3.dc-1", WaybillConfig.read(write(dir, "server.id = WEB3.Dc-1\n")).serverId());
    }

    /** The driver takes jdbc:mysql: when the URL permits it: such a URL works, and stays valid. */
    @Test
    void read_mysqlSchemeWithPermitMysqlScheme_isValid(@TempDir Path dir) throws Exception {
        String url = "jdbc:mysql://db:3307/waybill?permitMysqlScheme";
        assertEquals(url, WaybillConfig.read(write(dir, "db.url = " + url + "\n")).dbUrl());
    }

    /**
     * A socketTimeout in db.url shorter than a write's lock wait makes a lock another session
     * holds look like the database gone away: said at start, on its line; a longer one, or none
     * (0), says nothing.
     */
    @Test
    void read_dbUrlSocketTimeoutBelowTheLockWait_warns(@TempDir Path dir) throws Exception {
        Path f = write(dir, "db.user = waybill\ndb.url = jdbc:mariadb://db/waybill?SOCKETTIMEOUT=30000\n");
        assertEquals(List.of(f + ":2: db.url sets socketTimeout=30000 (ms), less than a minute: a write waits up"
                + " to 50 s for another session's lock, and such a lock would be taken for the database gone away;"
                + " set at least 60000"), WaybillConfig.read(f).warnings());
        assertTrue(WaybillConfig.read(write(dir, "db.url = jdbc:mariadb://db/waybill?socketTimeout=300000\n"))
                .warnings().isEmpty());
        assertTrue(WaybillConfig.read(write(dir, "db.url = jdbc:mariadb://db/waybill?socketTimeout=0\n"))
                .warnings().isEmpty());
    }

    /**
     * Connector/J ignores an option it does not know, so a misspelled one (a socketTimeout that
     * never applies) went unnoticed: each is said at start, on its line, with the option it was
     * likely meant to be; options the driver knows, in any case, say nothing.
     */
    @Test
    void read_dbUrlOptionTheDriverDoesNotKnow_warnsWithTheLikelyOne(@TempDir Path dir) throws Exception {
        Path f = write(dir, "db.user = waybill\ndb.url = jdbc:mariadb://db/waybill?socketTimout=300000&frobnicate=1"
                + "&sslmode=trust\n");
        assertEquals(List.of(
                f + ":2: db.url sets 'frobnicate', which Connector/J does not know and ignores",
                f + ":2: db.url sets 'socketTimout', which Connector/J does not know and ignores;"
                        + " did you mean socketTimeout?"), WaybillConfig.read(f).warnings());
        assertTrue(WaybillConfig.read(write(dir, "db.url = jdbc:mariadb://db/waybill?sslMode=trust"
                + "&useServerPrepStmts=true&SOCKETTIMEOUT=300000&connectTimeout=5000\n")).warnings().isEmpty());
        assertEquals("useServerPrepStmts", WaybillConfig.closestDriverOption("useServerPrepStmt"));
        assertEquals("sslMode", WaybillConfig.closestDriverOption("sslMod"));
        assertEquals(null, WaybillConfig.closestDriverOption("region"));
    }

    /**
     * A file saved in Latin-1 (a password with an accent) named neither the line nor the key: the
     * first line that is not UTF-8 is named, with its key, never its value.
     */
    @Test
    void read_fileNotUtf8_namesTheLineAndKey(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("latin1.conf");
        Files.write(f, "db.user = waybill\ndb.password = caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        ConfigException e = assertThrows(ConfigException.class, () -> WaybillConfig.read(f));
        assertEquals(f + ":2: 'db.password' is not UTF-8 text; save the file as UTF-8", e.getMessage());
    }

    @Test
    void read_badValue_namesTheLineItIsOn(@TempDir Path dir) throws IOException {
        Path f = write(dir, "# retention\n\nserver.id = web1\nretention.days = 0\n");
        ConfigException e = assertThrows(ConfigException.class, () -> WaybillConfig.read(f));
        assertEquals(f + ":4: retention.days = '0' is not valid: expected a whole number from 1 to 3650",
                e.getMessage());
    }

    @Test
    void read_pathInSingleQuotes_isRefusedSayingToDropThem(@TempDir Path dir) throws IOException {
        Path f = write(dir, "socket.path = '/run/w.sock'\n");
        ConfigException e = assertThrows(ConfigException.class, () -> WaybillConfig.read(f));
        assertEquals(f + ":1: socket.path = '/run/w.sock' is not valid: drop the quotes (a value is taken as"
                + " written, up to the end of its line)", e.getMessage());
    }

    /** Quotes may be real characters of a password: said, on the password's line, not refused. */
    @Test
    void read_quotedPassword_isKeptWithAWarning(@TempDir Path dir) throws Exception {
        Path f = write(dir, "db.user = waybill\ndb.password = \"s3cret\"\n");
        WaybillConfig c = WaybillConfig.read(f);
        assertEquals("\"s3cret\"", c.dbPassword());
        assertEquals(List.of(f + ":2: db.password is wrapped in quotes, and they are part of the password as written;"
                + " remove them unless the password has them"), c.warnings());
        assertTrue(WaybillConfig.read(write(dir, "db.password = s3\"cret\"\n")).warnings().isEmpty());
    }

    @Test
    void read_byteOrderMark_isNotPartOfTheFirstKey(@TempDir Path dir) throws Exception {
        Path f = write(dir, "\uFEFFretention.days = 12\n");
        assertEquals(12, WaybillConfig.read(f).retentionDays());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:8470 | 127.0.0.1 | 8470",
        "localhost:8470 | 127.0.0.1 | 8470",
        "127.0.0.2:0 | 127.0.0.2 | 0",
        "[::1]:8470 | 0:0:0:0:0:0:0:1 | 8470",
    })
    void read_adminListenOnLoopback_isTheAddress(String value, String host, int port, @TempDir Path dir)
            throws Exception {
        WaybillConfig c = WaybillConfig.read(write(dir, "admin.listen = " + value + "\nadmin.token.file = /root/t\n"));
        assertEquals(host, c.adminListen().orElseThrow().getAddress().getHostAddress());
        assertEquals(port, c.adminListen().orElseThrow().getPort());
        assertEquals(Path.of("/root/t"), c.adminTokenFile());
    }

    @Test
    void adminPage_isOffByDefaultAndWhenEmpty(@TempDir Path dir) throws Exception {
        assertTrue(WaybillConfig.defaults().adminListen().isEmpty());
        assertEquals(Path.of("/etc/waybill/admin.token"), WaybillConfig.defaults().adminTokenFile());
        assertTrue(WaybillConfig.read(write(dir, "admin.listen =\n")).adminListen().isEmpty());
    }

    @Test
    void read_keySetTwice_isAnError(@TempDir Path dir) throws IOException {
        Path f = write(dir, "server.id = a\nserver.id = b\n");
        ConfigException e = assertThrows(ConfigException.class, () -> WaybillConfig.read(f));
        assertTrue(e.getMessage().endsWith(":2: 'server.id' is set twice"), e.getMessage());
    }

    @Test
    void read_missingOrUnreadableFile_saysSo(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> WaybillConfig.read(dir.resolve("nope.conf")));
        assertEquals(dir.resolve("nope.conf") + ": no such file", e.getMessage());
    }

    @Test
    void read_passwordInAFileOthersCanRead_warns(@TempDir Path dir) throws Exception {
        Path f = write(dir, "db.password = x\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(WaybillConfig.read(f).warnings().get(0).contains("chmod 600"));
    }

    @Test
    void referenceFile_asShipped_isTheDefaults() throws Exception {
        WaybillConfig c = WaybillConfig.read(REFERENCE);
        assertEquals(WaybillConfig.DEFAULT_RETENTION_DAYS, c.retentionDays());
        assertNull(c.dbUrl());
    }

    @Test
    void referenceFile_withEveryKeyUncommented_isValid(@TempDir Path dir) throws Exception {
        // Keeps the reference file and this class in step: every documented key must be known and
        // its example valid. cpanel.root must exist, and "/" does.
        String uncommented = Files.readAllLines(REFERENCE).stream()
                .map(l -> l.matches("#[a-z.]+ =.*") ? l.substring(1) : l)
                .collect(Collectors.joining("\n"));
        WaybillConfig c = WaybillConfig.read(write(dir, uncommented)).requireDatabase();
        assertEquals("web1", c.serverId());
        assertEquals(30, c.retentionDays());
        assertEquals(4, c.dbPoolSize());
    }
}
