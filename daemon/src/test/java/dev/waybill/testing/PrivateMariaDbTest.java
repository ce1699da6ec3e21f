package dev.waybill.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PrivateMariaDb.class)
class PrivateMariaDbTest {

    /** Name of the database the first repetition of {@link #eachTest_getsItsOwnDatabase} got. */
    private static String firstRepetitionDatabase;

    @Test
    void connect_roundTripsRowsThroughATable(TestDatabase db) throws SQLException {
        List<String> written = List.of("delivered", "deferred: 451 4.7.1 greylisted", "ünïcödé ✉");
        try (Connection c = db.connect()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE outcome (id INT PRIMARY KEY, text VARCHAR(100))"
                        + " CHARACTER SET utf8mb4");
            }
            try (PreparedStatement insert =
                    c.prepareStatement("INSERT INTO outcome (id, text) VALUES (?, ?)")) {
                for (int i = 0; i < written.size(); i++) {
                    insert.setInt(1, i);
                    insert.setString(2, written.get(i));
                    insert.executeUpdate();
                }
            }
            assertEquals(written, texts(c, "SELECT text FROM outcome ORDER BY id"));
            assertEquals(db.name(), single(c, "SELECT DATABASE()"));
        }
    }

    @Test
    void server_isPrivateToThisRun(MariaDbServer server) throws SQLException, IOException {
        try (Connection c = server.connect()) {
            Path dataDir = Path.of(single(c, "SELECT @@datadir"));
            assertEquals(server.dataDir(), dataDir);
            assertTrue(dataDir.startsWith(Path.of(System.getProperty("java.io.tmpdir"))),
                    "datadir " + dataDir + " is not under the temporary directory");
            assertEquals(String.valueOf(server.port()), single(c, "SELECT @@port"));
            assertNotEquals(3306, server.port());
            assertEquals("127.0.0.1", single(c, "SELECT @@bind_address"));
            assertEquals(server.socket().toString(), single(c, "SELECT @@socket"));
            // The server we talk to is the process we started.
            Path pidFile = Path.of(single(c, "SELECT @@pid_file"));
            assertEquals(String.valueOf(server.pid()), Files.readString(pidFile).strip());
        }
    }

    @Test
    void server_listensOnlyOn127001(MariaDbServer server) throws IOException {
        // Bound to 0.0.0.0 it would also answer on 127.0.0.2, which every Linux routes to lo.
        try (Socket ok = new Socket()) {
            ok.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.port()));
            assertTrue(ok.isConnected());
        }
        try (Socket other = new Socket()) {
            InetSocketAddress elsewhere =
                    new InetSocketAddress(InetAddress.getByName("127.0.0.2"), server.port());
            assertThrows(ConnectException.class, () -> other.connect(elsewhere, 2000));
        }
    }

    @RepeatedTest(2)
    void eachTest_getsItsOwnDatabase(TestDatabase db, MariaDbServer server,
            RepetitionInfo repetition) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            if (repetition.getCurrentRepetition() == 1) {
                s.execute("CREATE TABLE marker (id INT)");
                assertEquals(List.of("marker"), tables(c, db.name()));
                firstRepetitionDatabase = db.name();
                return;
            }
            assertNotNull(firstRepetitionDatabase, "the first repetition did not run");
            assertNotEquals(firstRepetitionDatabase, db.name());
            assertEquals(List.of(), tables(c, db.name()));
        }
        // The first repetition's database was dropped when it ended.
        try (Connection c = server.connect()) {
            assertEquals(List.of(), texts(c, "SELECT schema_name FROM information_schema.schemata"
                    + " WHERE schema_name = '" + firstRepetitionDatabase + "'"));
        }
    }

    @Test
    void stopAndStart_keepsDataAndPort(TestDatabase db, MariaDbServer server)
            throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kept (v VARCHAR(20))");
            s.execute("INSERT INTO kept VALUES ('before stop')");
        }
        int port = server.port();
        long firstPid = server.pid();

        server.stop();
        assertFalse(server.isRunning());
        assertFalse(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false),
                "mariadbd " + firstPid + " still runs after stop()");
        assertThrows(SQLException.class, () -> db.connect().close());

        server.start();
        assertTrue(server.isRunning());
        assertNotEquals(firstPid, server.pid());
        assertEquals(port, server.port());
        try (Connection c = db.connect()) {
            assertEquals(List.of("before stop"), texts(c, "SELECT v FROM kept"));
        }
    }

    @Test
    void close_endsProcessAndRemovesDirectory(MariaDbServer shared) throws SQLException {
        MariaDbServer second = MariaDbServer.launch();
        long pid;
        try {
            pid = second.pid();
            assertNotEquals(shared.port(), second.port());
            assertNotEquals(shared.baseDir(), second.baseDir());
            try (Connection c = second.connect()) {
                assertEquals(second.dataDir(), Path.of(single(c, "SELECT @@datadir")));
            }
            assertTrue(Files.isDirectory(second.dataDir()));
        } finally {
            second.close();
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "mariadbd " + pid + " still runs after close()");
        assertFalse(Files.exists(second.baseDir()), second.baseDir() + " still exists");
        assertFalse(second.isRunning());
    }

    @Test
    void launch_missingBinary_failsNamingIt() {
        Path missing = Path.of("/nonexistent/sbin/mariadbd");
        MariaDbServer.StartException e = assertThrows(MariaDbServer.StartException.class,
                () -> MariaDbServer.launch(missing, MariaDbServer.INSTALL_DB, 0));
        assertTrue(e.getMessage().contains("mariadbd not found at " + missing), e.getMessage());
    }

    @Test
    void launch_installDbFails_failsNamingItsLog() throws IOException {
        // A "server" that exits at once makes the real mariadb-install-db fail its bootstrap.
        Path broken = Path.of("/bin/false");
        MariaDbServer.StartException e = assertThrows(MariaDbServer.StartException.class,
                () -> MariaDbServer.launch(broken, MariaDbServer.INSTALL_DB, 0));
        Path log = e.log().orElseThrow();
        try {
            assertTrue(e.getMessage().startsWith(
                    "mariadb-install-db failed with exit status 1; read " + log), e.getMessage());
            assertTrue(Files.readString(log).contains("Installation of system tables failed"));
        } finally {
            MariaDbServer.deleteTree(log.getParent());
        }
    }

    @Test
    void launch_busyPort_failsNamingPortAndLog() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            MariaDbServer.StartException e = assertThrows(MariaDbServer.StartException.class,
                    () -> MariaDbServer.launch(
                            MariaDbServer.MARIADBD, MariaDbServer.INSTALL_DB, port));
            Path log = e.log().orElseThrow();
            try {
                assertTrue(e.getMessage().startsWith("port " + port + " on 127.0.0.1 is busy"
                        + " (another process is listening on it); read " + log), e.getMessage());
                assertTrue(Files.readString(log).contains("Bind on TCP/IP port"));
            } finally {
                MariaDbServer.deleteTree(log.getParent());
            }
        }
    }

    @Nested
    class WhenAskedTwiceInOneTest {
        private TestDatabase fromBeforeEach;

        @BeforeEach
        void remember(TestDatabase db) {
            fromBeforeEach = db;
        }

        @Test
        void beforeEachAndTest_getTheSameDatabase(TestDatabase db) {
            assertSame(fromBeforeEach, db);
        }
    }

    private static String single(Connection c, String sql) throws SQLException {
        List<String> values = texts(c, sql);
        assertEquals(1, values.size(), sql);
        return values.get(0);
    }

    private static List<String> texts(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static List<String> tables(Connection c, String database) throws SQLException {
        return texts(c, "SELECT table_name FROM information_schema.tables"
                + " WHERE table_schema = '" + database + "' ORDER BY table_name");
    }
}
