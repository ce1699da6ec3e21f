package dev.waybill.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A private {@code mariadbd} for tests: the system binary, run on a fresh datadir in a temporary
 * directory, listening on a free port of 127.0.0.1 and on a unix socket in that directory.
 *
 * <p>Nothing of a system MariaDB is used or touched: both programs get {@code --no-defaults}, so
 * no {@code my.cnf} is read, and the server runs as the current user ({@code --user=root} when
 * that is root, which {@code mariadbd} insists on). The server character set is left at the
 * MariaDB 10.x default (latin1), as on a stock cPanel server, so a schema that forgets to declare
 * utf8mb4 fails here rather than in production.
 *
 * <p>Most tests do not create one: they ask {@link PrivateMariaDb} for the shared one. Start your
 * own with {@link #launch()} only to test the server's life itself, and close it.
 *
 * <p>Layout of the temporary directory: {@code data/} (the datadir), {@code mariadbd.sock},
 * {@code mariadbd.pid}, and {@code error.log}, which collects the output of
 * {@code mariadb-install-db} and of every start of the server.
 */
public final class MariaDbServer implements AutoCloseable {

    static final Path MARIADBD = Path.of("/usr/sbin/mariadbd");
    static final Path INSTALL_DB = Path.of("/usr/bin/mariadb-install-db");

    private static final String HOST = "127.0.0.1";
    private static final String USER = "waybill";
    private static final long INSTALL_TIMEOUT_SECONDS = 120;
    private static final long READY_TIMEOUT_SECONDS = 60;
    private static final long STOP_TIMEOUT_SECONDS = 60;
    private static final int PORT_ATTEMPTS = 3;
    private static final String READY = "ready for connections";
    private static final ProcessBuilder.Redirect NO_INPUT =
            ProcessBuilder.Redirect.from(new File("/dev/null"));
    // What mariadbd writes when its TCP port is taken (sql/mysqld.cc, network_init).
    private static final String PORT_BUSY = "Bind on TCP/IP port";

    /**
     * Options given to both the bootstrap run of {@code mariadb-install-db} and the server, so the
     * InnoDB files are created the size the server expects. Small buffers start faster; relaxed
     * flushing only loses data if the whole machine crashes, which a test run does not survive
     * anyway, and a clean {@link #stop()} still flushes everything.
     */
    private static final List<String> SERVER_OPTIONS = List.of(
            "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=2",
            "--innodb-doublewrite=0");

    private final Path mariadbd;
    private final Path baseDir;
    private final Path dataDir;
    private final Path socket;
    private final Path errorLog;
    private final String password;
    private final boolean runningAsRoot;
    private final Thread shutdownHook;
    private final AtomicInteger databaseCount = new AtomicInteger();

    private int port;
    // Read by the shutdown hook without the lock, hence volatile.
    private volatile Process process;
    private volatile boolean closed;

    private MariaDbServer(Path mariadbd, Path baseDir, int port) {
        this.mariadbd = mariadbd;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.socket = baseDir.resolve("mariadbd.sock");
        this.errorLog = baseDir.resolve("error.log");
        this.password = randomPassword();
        this.runningAsRoot = currentUid() == 0;
        this.port = port;
        this.shutdownHook = new Thread(this::destroyQuietly, "waybill-mariadb-cleanup");
    }

    /**
     * Creates a datadir in a new temporary directory and starts a server on a free loopback port.
     *
     * @throws StartException if a binary is missing, {@code mariadb-install-db} fails, or the
     *     server does not become ready; the message names the cause and the log to read
     */
    public static MariaDbServer launch() {
        return launch(MARIADBD, INSTALL_DB, 0);
    }

    /** As {@link #launch()}, with other binaries or a fixed port (0 picks a free one). */
    static MariaDbServer launch(Path mariadbd, Path installDb, int port) {
        requireExecutable(mariadbd, "mariadbd");
        requireExecutable(installDb, "mariadb-install-db");
        long begin = System.nanoTime();
        Path baseDir;
        try {
            baseDir = Files.createTempDirectory("waybill-mariadb-");
        } catch (IOException e) {
            throw new StartException("cannot create a temporary directory for MariaDB: " + e, null);
        }
        MariaDbServer server = new MariaDbServer(mariadbd, baseDir, port);
        // The kernel limits a unix socket path to 107 bytes; say so rather than fail obscurely.
        if (server.socket.toString().getBytes(StandardCharsets.UTF_8).length > 107) {
            deleteTree(baseDir);
            throw new StartException("socket path " + server.socket
                    + " is too long for a unix socket; set java.io.tmpdir to a shorter directory",
                    null);
        }
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        try {
            server.installDataDir(installDb);
            long installed = System.nanoTime();
            server.startPickingPort(port == 0);
            long ready = System.nanoTime();
            System.err.printf(Locale.ROOT,
                    "[PrivateMariaDb] mariadbd ready on %s:%d in %d ms"
                            + " (install-db %d ms, start %d ms); dir %s%n",
                    HOST, server.port, millis(begin, ready), millis(begin, installed),
                    millis(installed, ready), baseDir);
            return server;
        } catch (RuntimeException | Error e) {
            // Keep the directory: its error.log is what the message tells the reader to open.
            server.destroyQuietly(false);
            Runtime.getRuntime().removeShutdownHook(server.shutdownHook);
            throw e;
        }
    }

    /** JDBC URL of the server without a default database. */
    public String jdbcUrl() {
        return "jdbc:mariadb://" + HOST + ":" + port + "/";
    }

    /** The user every test connects as; it holds all privileges. */
    public String user() {
        return USER;
    }

    /** The user's password, random for each server. */
    public String password() {
        return password;
    }

    public String host() {
        return HOST;
    }

    /** The TCP port on 127.0.0.1; the same across {@link #stop()} and {@link #start()}. */
    public int port() {
        return port;
    }

    /** The unix socket, for clients such as the {@code mariadb} command-line tool. */
    public Path socket() {
        return socket;
    }

    /** The temporary directory holding everything of this server; removed by {@link #close()}. */
    public Path baseDir() {
        return baseDir;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Output of {@code mariadb-install-db} and of each start of the server. */
    public Path errorLog() {
        return errorLog;
    }

    /**
     * The process id of the running server.
     *
     * @throws IllegalStateException if it is not running
     */
    public long pid() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("mariadbd is not running");
        }
        return p.pid();
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Opens a connection without a default database; the caller closes it. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, password);
    }

    /** Creates a new, empty database on this server; closing it drops it. */
    public TestDatabase createDatabase() {
        return createDatabase("db");
    }

    /** Creates a database whose name starts with {@code label}, to tell in a log whose it was. */
    TestDatabase createDatabase(String label) {
        String cleaned = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        String suffix = "_" + databaseCount.incrementAndGet();
        String name = "t_" + cleaned.substring(0, Math.min(cleaned.length(), 50)) + suffix;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE `" + name + "`");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + jdbcUrl()
                    + "; read " + errorLog, e);
        }
        return new TestDatabase(this, name);
    }

    /**
     * Stops the server cleanly (SIGTERM to its PID, then waits), keeping its datadir, so a test
     * can check what happens while the database is away. {@link #start()} brings it back.
     *
     * @throws IllegalStateException if it is not running
     */
    public synchronized void stop() {
        if (!isRunning()) {
            throw new IllegalStateException("mariadbd is not running");
        }
        terminate(process);
        process = null;
    }

    /**
     * Starts the server again on the same datadir and port, and waits until it accepts
     * connections.
     *
     * @throws IllegalStateException if it is running or closed
     * @throws StartException if it does not come up
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("this MariaDbServer is closed");
        }
        if (isRunning()) {
            throw new IllegalStateException("mariadbd is already running, pid " + pid());
        }
        startOnce();
    }

    /** Stops the server if it runs and removes its temporary directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to; it does the same work and tolerates ours.
        }
        Process p = process;
        if (p != null) {
            terminate(p);
            process = null;
        }
        deleteTree(baseDir);
    }

    @Override
    public String toString() {
        return "MariaDbServer[" + HOST + ":" + port + ", " + baseDir + "]";
    }

    private void installDataDir(Path installDb) {
        Path extraSql = baseDir.resolve("create-user.sql");
        // In bootstrap mode the grant tables are not loaded until FLUSH PRIVILEGES.
        String sql = "FLUSH PRIVILEGES;\n"
                + createUser("127.0.0.1") + createUser("localhost");
        try {
            Files.writeString(extraSql, sql);
        } catch (IOException e) {
            throw new StartException("cannot write " + extraSql + ": " + e, null);
        }
        List<String> command = new ArrayList<>(List.of(
                installDb.toString(),
                "--no-defaults",
                // --rpm: without it, install-db given --user re-owns the system's
                // auth_pam_tool_dir; it also skips a hostname lookup we do not need.
                "--rpm",
                "--datadir=" + dataDir,
                "--skip-test-db",
                "--extra-file=" + extraSql));
        if (runningAsRoot) {
            command.add("--user=root");
        }
        command.addAll(SERVER_OPTIONS);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(errorLog.toFile()))
                .redirectInput(NO_INPUT);
        // install-db bootstraps with /usr/sbin/mariadbd unless told otherwise.
        builder.environment().put("MYSQLD_BOOTSTRAP", mariadbd.toString());
        int status;
        try {
            Process install = builder.start();
            if (!install.waitFor(INSTALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                terminate(install);
                throw failure("mariadb-install-db did not finish within "
                        + INSTALL_TIMEOUT_SECONDS + " s");
            }
            status = install.exitValue();
        } catch (IOException e) {
            throw failure("cannot run " + installDb + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("interrupted while mariadb-install-db was running");
        }
        if (status != 0) {
            throw failure("mariadb-install-db failed with exit status " + status);
        }
    }

    private String createUser(String host) {
        return "CREATE USER '" + USER + "'@'" + host + "' IDENTIFIED BY '" + password + "';\n"
                + "GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'" + host
                + "' WITH GRANT OPTION;\n";
    }

    /** First start: a port we picked may be taken before mariadbd binds it, so try another. */
    private synchronized void startPickingPort(boolean pickPort) {
        for (int attempt = 1; ; attempt++) {
            if (pickPort) {
                port = freeLoopbackPort();
            }
            try {
                startOnce();
                return;
            } catch (PortBusyException e) {
                if (!pickPort || attempt == PORT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private void startOnce() {
        long logStart = sizeOf(errorLog);
        List<String> command = new ArrayList<>(List.of(
                mariadbd.toString(),
                "--no-defaults",
                "--datadir=" + dataDir,
                "--tmpdir=" + baseDir,
                "--socket=" + socket,
                "--pid-file=" + baseDir.resolve("mariadbd.pid"),
                "--port=" + port,
                "--bind-address=" + HOST,
                "--skip-name-resolve"));
        if (runningAsRoot) {
            command.add("--user=root");
        }
        command.addAll(SERVER_OPTIONS);
        // No --log-error: the server then logs to stderr, which lands in error.log together
        // with anything it prints before its logging is set up.
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(errorLog.toFile()))
                    .redirectInput(NO_INPUT)
                    .start();
        } catch (IOException e) {
            throw failure("cannot run " + mariadbd + ": " + e);
        }
        process = p;
        awaitReady(p, logStart);
    }

    private void awaitReady(Process p, long logStart) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        try {
            while (true) {
                String log = readFrom(errorLog, logStart);
                if (log.contains(READY)) {
                    return;
                }
                if (!p.isAlive()) {
                    process = null;
                    if (log.contains(PORT_BUSY)) {
                        throw new PortBusyException("port " + port + " on " + HOST
                                + " is busy (another process is listening on it)", errorLog);
                    }
                    throw failure("mariadbd exited with status " + p.exitValue()
                            + " during start-up");
                }
                if (System.nanoTime() > deadline) {
                    terminate(p);
                    process = null;
                    throw failure("mariadbd was not ready for connections within "
                            + READY_TIMEOUT_SECONDS + " s");
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            terminate(p);
            process = null;
            throw failure("interrupted while waiting for mariadbd to start");
        }
    }

    private StartException failure(String cause) {
        return new StartException(cause, errorLog);
    }

    /** SIGTERM to this process only, a clean shutdown; SIGKILL if it hangs. */
    private static void terminate(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void destroyQuietly() {
        destroyQuietly(true);
    }

    /** The backstop for a JVM that exits without closing us, and the clean-up of a failed start. */
    private void destroyQuietly(boolean deleteFiles) {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        process = null;
        if (deleteFiles && !closed) {
            try {
                deleteTree(baseDir);
            } catch (UncheckedIOException ignored) {
                // Best effort while the JVM goes down.
            }
        }
    }

    /** Deletes a directory tree; a missing one is fine. */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
    }

    private static void requireExecutable(Path binary, String what) {
        if (!Files.isExecutable(binary)) {
            throw new StartException(what + " not found at " + binary
                    + "; install Debian's mariadb-server (as root: bash .ci/install-test-deps)",
                    null);
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new StartException("cannot find a free port on " + HOST + ": " + e, null);
        }
    }

    private static String readFrom(Path file, long offset) {
        try (SeekableByteChannel in = Files.newByteChannel(file)) {
            long size = in.size();
            if (size <= offset) {
                return "";
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - offset));
            in.position(offset);
            while (buffer.hasRemaining() && in.read(buffer) > 0) {
                // keep reading
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static int currentUid() {
        try {
            // /proc/self belongs to the effective uid of this process.
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell which user runs the tests", e);
        }
    }

    private static String randomPassword() {
        String alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static long millis(long fromNanos, long toNanos) {
        return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
    }

    /**
     * The server could not be started. The message says why and which log to read; the last
     * lines of that log are appended, since a CI run keeps the message but not the file.
     */
    public static class StartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final transient Path log;

        StartException(String cause, Path log) {
            super(log == null ? cause : cause + "; read " + log + tail(log));
            this.log = log;
        }

        /** The log that explains the failure; its directory is kept for reading. */
        public Optional<Path> log() {
            return Optional.ofNullable(log);
        }

        private static String tail(Path log) {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                List<String> last = lines.subList(Math.max(0, lines.size() - 15), lines.size());
                return last.isEmpty() ? " (it is empty)"
                        : "; its last lines:\n  " + String.join("\n  ", last);
            } catch (IOException e) {
                return " (cannot be read: " + e + ")";
            }
        }
    }

    /** Told apart so that a port we picked ourselves can be swapped for another. */
    private static final class PortBusyException extends StartException {
        private static final long serialVersionUID = 1L;

        PortBusyException(String cause, Path log) {
            super(cause, log);
        }
    }
}
