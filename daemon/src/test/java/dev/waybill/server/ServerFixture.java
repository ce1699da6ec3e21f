package dev.waybill.server;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.client.SocketClient;
import dev.waybill.testing.SystemAccounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A real socket server on a temporary path, with a fake cPanel server behind it, for tests.
 * The accounts: {@code alice} ({@code alice.example}) and {@code bob} ({@code bob.example}) owned
 * by reseller {@code res1}; {@code carol} owned by root.
 */
final class ServerFixture implements AutoCloseable {

    final Path socket;
    final SocketServer server;
    final List<String> log;

    private ServerFixture(Path socket, SocketServer server, List<String> log) {
        this.socket = socket;
        this.server = server;
        this.log = log;
    }

    static ServerFixture start(Path dir, UnaryOperator<ServerSettings> tune, Consumer<MethodRegistry> methods)
            throws IOException {
        Path root = fakeCpanelRoot(dir.resolve("cpanel"), Map.of("alice", "res1", "bob", "res1", "carol", "root"));
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/bash\n");
        ScopeResolver resolver = new ScopeResolver(LiveAccounts.fixed(CpanelAccounts.read(root)), new SystemUsers(passwd));
        ServerSettings settings = tune.apply(ServerSettings.defaults(dir.resolve("run/waybill.sock")));
        MethodRegistry registry = new MethodRegistry();
        List<String> log = new CopyOnWriteArrayList<>();
        SocketServer server = new SocketServer(settings, registry, resolver, log::add)
                .registerBuiltins(() -> Map.of("state", "following", "lines", 42));
        methods.accept(registry);
        server.start();
        return new ServerFixture(settings.socketPath(), server, log);
    }

    /**
     * For tests with real system users (root only): makes {@code users} and a temporary directory
     * every user may pass through, as they must to reach a socket in it.
     */
    static Path realUsersDir(String prefix, String... users) throws Exception {
        SystemAccounts.requireRoot("it creates system users and runs processes as them", "/usr/bin/python3");
        for (String user : users) {
            SystemAccounts.create(user);
        }
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /**
     * A started server for real system users: identities from the system's users, accounts from
     * {@code cpanel} (re-read as they change), listening as {@code settings} say.
     */
    static SocketServer startForRealUsers(Path cpanel, ServerSettings settings, MethodRegistry methods)
            throws IOException {
        ScopeResolver resolver = new ScopeResolver(LiveAccounts.watching(cpanel, l -> { }), SystemUsers.system());
        SocketServer server = new SocketServer(settings, methods, resolver, l -> { }).registerBuiltins(Map::of);
        server.start();
        return server;
    }

    /** When the fake accounts were created (STARTDATE): 2010-01-01, before every test log. */
    static final long CREATED = 1262304000L;

    /**
     * Writes cPanel's account files for {@code owners} (user → owner); domains are
     * {@code user.example}, each account created at {@link #CREATED}.
     */
    static Path fakeCpanelRoot(Path root, Map<String, String> owners) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("var/cpanel/users"));
        StringBuilder userdomains = new StringBuilder();
        StringBuilder trueowners = new StringBuilder();
        for (Map.Entry<String, String> e : owners.entrySet()) {
            String user = e.getKey();
            userdomains.append(user).append(".example: ").append(user).append('\n');
            trueowners.append(user).append(": ").append(e.getValue()).append('\n');
            Files.writeString(root.resolve("var/cpanel/users").resolve(user),
                    "DNS=" + user + ".example\nOWNER=" + e.getValue() + "\nPLAN=default\nSTARTDATE=" + CREATED + "\n");
        }
        userdomains.append("*: nobody\n");
        Files.writeString(root.resolve("etc/userdomains"), userdomains);
        Files.writeString(root.resolve("etc/trueuserowners"), trueowners);
        return root;
    }

    SocketClient client() throws IOException {
        return SocketClient.connect(socket).timeout(Duration.ofSeconds(20));
    }

    @Override
    public void close() {
        server.close();
    }
}
