package dev.waybill.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private Exim daemon: its own configuration (rendered from {@code e2e/exim.conf.template}),
 * spool, logs and ports, under one temporary directory. Nothing system-wide is touched.
 *
 * <p>The configuration is passed with {@code -C}. An Exim that re-executes itself with a
 * {@code -C} file not listed in {@code /etc/exim4/trusted_configs} loses root (spec 6.1), which
 * would break deliveries that need it; the configuration sets {@code deliver_drop_privilege},
 * so every delivery runs as the Exim user from the start and none needs root. That is why no
 * system file has to be touched. Directories Exim writes are owned by {@value #EXIM_USER}.
 */
final class PrivateExim implements AutoCloseable {

    /** Debian's Exim run-time user and group. */
    static final String EXIM_USER = "Debian-exim";

    private static final List<String> BINARIES = List.of("/usr/sbin/exim4", "/usr/sbin/exim");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern TOKEN = Pattern.compile("@[A-Z_]+@");

    private final Path binary;
    private final Path work;
    private final Path config;
    private Process daemon;

    private PrivateExim(Path binary, Path work, Path config) {
        this.binary = binary;
        this.work = work;
        this.config = config;
    }

    /** The Exim binary; fails the test (never skips it) when Exim is not installed. */
    static Path binary() {
        return BINARIES.stream().map(Path::of).filter(Files::isExecutable).findFirst()
                .orElseGet(() -> fail("Exim is not installed (looked for " + BINARIES
                        + "); install the Debian package exim4-daemon-light"));
    }

    /**
     * Lays out {@code work} (spool, log, the authentication file) and writes the configuration.
     *
     * @param values replacement for each {@code @NAME@} token of the template
     * @param credentials lines {@code login: password} for the dovecot_* authenticators
     */
    static PrivateExim configure(Path work, Map<String, String> values, String credentials) throws IOException {
        return configure(work, "/e2e/exim.conf.template", values, credentials);
    }

    /** As {@link #configure(Path, Map, String)}, from another template on the test class path. */
    static PrivateExim configure(Path work, String templateResource, Map<String, String> values, String credentials)
            throws IOException {
        Path binary = binary();
        Files.createDirectories(work.resolve("spool"));
        Files.createDirectories(work.resolve("log"));
        Files.createDirectories(work.resolve("auth"));
        Path passwords = work.resolve("auth/passwd");
        Files.writeString(passwords, credentials, StandardCharsets.UTF_8);

        String template;
        try (InputStream in = PrivateExim.class.getResourceAsStream(templateResource)) {
            if (in == null) {
                throw new IOException(templateResource + " is not on the test class path");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, String> value : values.entrySet()) {
            template = template.replace("@" + value.getKey() + "@", value.getValue());
        }
        Matcher left = TOKEN.matcher(template.replaceAll("(?m)^#.*$", ""));
        if (left.find()) {
            throw new IllegalArgumentException("no value for " + left.group() + " in the Exim template");
        }
        Path config = work.resolve("exim.conf");
        Files.writeString(config, template, StandardCharsets.UTF_8);
        return new PrivateExim(binary, work, config);
    }

    /**
     * Makes the tree readable by the Exim user, and the directories it writes (the spool, the
     * logs and {@code writable}) its own. The authentication file is readable by its group only.
     */
    void grantAccess(Path... writable) throws IOException {
        for (Path up = work.toAbsolutePath().getParent(); up != null; up = up.getParent()) {
            if (!Files.getPosixFilePermissions(up).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                fail(EXIM_USER + " cannot reach " + work + " because " + up
                        + " is closed to others; point java.io.tmpdir somewhere else");
            }
        }
        UserPrincipalLookupService names = work.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = names.lookupPrincipalByName(EXIM_USER);
        GroupPrincipal group = names.lookupPrincipalByGroupName(EXIM_USER);
        try (Stream<Path> tree = Files.walk(work)) {
            for (Path path : (Iterable<Path>) tree::iterator) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Path passwords = work.resolve("auth/passwd");
        Files.getFileAttributeView(passwords, PosixFileAttributeView.class).setGroup(group);
        Files.setPosixFilePermissions(passwords, PosixFilePermissions.fromString("rw-r-----"));
        for (Path dir : Stream.concat(Stream.of(work.resolve("spool"), work.resolve("log")), Stream.of(writable))
                .toList()) {
            Files.setOwner(dir, user);
            Files.getFileAttributeView(dir, PosixFileAttributeView.class).setGroup(group);
        }
    }

    Path mainLog() {
        return work.resolve("log/mainlog");
    }

    Path config() {
        return config;
    }

    /** Starts the daemon in the foreground ({@code -bdf}), so that its PID is our child's. */
    void start() throws IOException, InterruptedException {
        Path output = work.resolve("daemon.out");
        daemon = new ProcessBuilder(binary.toString(), "-C", config.toString(), "-bdf")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        String started = "daemon started: pid=" + daemon.pid() + ",";
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            if (!daemon.isAlive()) {
                fail("Exim daemon exited with status " + daemon.exitValue() + ":\n"
                        + Files.readString(output) + readIfExists(work.resolve("log/paniclog")));
            }
            if (readIfExists(mainLog()).contains(started)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("Exim daemon did not log '" + started + "' within 20 s:\n" + readIfExists(mainLog()));
    }

    /**
     * {@code exim -bt address}: how Exim would route the address, without a daemon or a message.
     * The exit status is 0 when it can be delivered, 1 when it defers, 2 when it fails; none of
     * them fails the test.
     */
    CommandResult addressTest(String address) throws IOException, InterruptedException {
        return CommandResult.run(List.of(binary.toString(), "-C", config.toString(), "-bt", address), COMMAND_TIMEOUT);
    }

    /** {@code exim -bpc}: the number of messages in the queue. */
    int queueCount() throws IOException, InterruptedException {
        CommandResult result = exim("-bpc");
        return Integer.parseInt(result.stdout().trim());
    }

    /** {@code exim -qff}: one queue run, delivery forced for every message; returns when done. */
    void forceQueueRun() throws IOException, InterruptedException {
        exim("-qff");
    }

    /**
     * Waits until Exim is idle: {@code expectedQueued} messages left in the spool and the main
     * log unchanged for a while (a delivery process writes its last line before it exits).
     * Polls the spool directory rather than {@code exim -bpc}, because every Exim invocation
     * writes a line to the main log; {@code -bpc} confirms once at the end.
     */
    void awaitIdle(int expectedQueued, Duration timeout) throws IOException, InterruptedException {
        Duration quiet = Duration.ofMillis(1500);
        Instant deadline = Instant.now().plus(timeout);
        Instant stableSince = null;
        long lastSize = -1;
        int queued = -1;
        while (Instant.now().isBefore(deadline)) {
            queued = spooledMessages();
            long size = Files.size(mainLog());
            if (queued == expectedQueued && size == lastSize) {
                if (stableSince == null) {
                    stableSince = Instant.now();
                } else if (Duration.between(stableSince, Instant.now()).compareTo(quiet) >= 0) {
                    int counted = queueCount();
                    if (counted != expectedQueued) {
                        fail("exim -bpc says " + counted + " messages are queued, expected " + expectedQueued);
                    }
                    return;
                }
            } else {
                stableSince = null;
            }
            lastSize = size;
            Thread.sleep(200);
        }
        fail("Exim not idle after " + timeout + ": " + queued + " messages queued, expected "
                + expectedQueued + "\n" + exim("-bp").stdout() + "\n" + readIfExists(mainLog()));
    }

    /** Stops the daemon (our child, by PID) and any Exim process still running our configuration. */
    @Override
    public void close() {
        try {
            if (daemon != null) {
                daemon.destroy();
                if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly();
                    daemon.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            daemon.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // A delivery process forked by the daemon outlives it, re-parented. Only processes whose
        // command line names this run's own configuration file are ours.
        String mine = config.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(" -C " + mine + " ")
                        || c.endsWith(" -C " + mine)).orElse(false))
                .forEach(ProcessHandle::destroy);
    }

    private CommandResult exim(String... arguments) throws IOException, InterruptedException {
        List<String> command = Stream.concat(Stream.of(binary.toString(), "-C", config.toString()),
                Stream.of(arguments)).toList();
        CommandResult result = CommandResult.run(command, COMMAND_TIMEOUT);
        if (result.exitCode() != 0) {
            fail("Exim command failed:\n" + result.describe());
        }
        return result;
    }

    private int spooledMessages() throws IOException {
        Path input = work.resolve("spool/input");
        if (!Files.isDirectory(input)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(input)) {
            return (int) files.filter(p -> p.getFileName().toString().endsWith("-H")).count();
        }
    }

    static String readIfExists(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
