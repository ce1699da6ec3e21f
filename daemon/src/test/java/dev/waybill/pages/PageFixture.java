package dev.waybill.pages;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.Ingester;
import dev.waybill.render.Templates;
import dev.waybill.server.LiveAccounts;
import dev.waybill.server.MethodRegistry;
import dev.waybill.server.QueryMethods;
import dev.waybill.server.RenderMethod;
import dev.waybill.server.ScopeResolver;
import dev.waybill.server.ServerSettings;
import dev.waybill.server.SocketServer;
import dev.waybill.server.SystemUsers;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.SystemAccounts;
import dev.waybill.testing.TestDatabase;
import dev.waybill.trace.AddressTracer;
import dev.waybill.trace.JndiMxResolver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * What every browser test of the pages stands on, whatever the browser: a real system user for the
 * cPanel account (the cPanel page runs under its uid), a fake cPanel root with the accounts'
 * files, {@link PageFixtureLog} stored in the test's database, the daemon's socket server with
 * the query and render methods, the plugin's pages installed where cPanel keeps them, and
 * {@link CpsrvdEmulator} serving them on 127.0.0.1. Everything lives under one temporary
 * directory, removed by {@link #close()} with the user.
 */
final class PageFixture {

    /**
     * The system and cPanel names: {@code alice} is the cPanel account (owned by {@code reseller}),
     * {@code bob} another account (root's), {@code plain} a WHM user without reseller rights. Each
     * test class has names of its own, so that two of them never share a system user.
     */
    record Names(String alice, String bob, String reseller, String plain) {
    }

    final Names names;
    final Path dir;
    final long now;
    final CpsrvdEmulator cpsrvd;
    private final HikariDataSource ds;
    private final SocketServer server;

    private PageFixture(Names names, Path dir, long now, HikariDataSource ds, SocketServer server, CpsrvdEmulator cpsrvd) {
        this.names = names;
        this.dir = dir;
        this.now = now;
        this.ds = ds;
        this.server = server;
        this.cpsrvd = cpsrvd;
    }

    /**
     * Sets it all up; fails the test (never skips it) unless it runs as root with {@code tools},
     * the browser's programs, present. On a failure half-way, what was set up is taken down.
     */
    static PageFixture start(TestDatabase db, Names names, String... tools) throws Exception {
        SystemAccounts.requireRoot("it creates a system user and runs the cPanel page as it", tools);
        SystemAccounts.create(names.alice());
        Path dir = Files.createTempDirectory("waybill-pages");
        HikariDataSource ds = null;
        SocketServer server = null;
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path cpanel = fakeCpanel(dir.resolve("cpanel"), names);
            ds = db.pool(4);
            DeliveryStore store = new DeliveryStore(ds, "web1");
            store.prepare();
            long now = System.currentTimeMillis() / 1000;
            Ingester ingester = new Ingester("web1", CpanelAccounts.read(cpanel), 86400);
            LineParser parser = new LineParser(ZoneOffset.UTC);
            for (String line : PageFixtureLog.build(now, names.alice(), names.bob()).split("\n")) {
                ingester.accept(parser.parse(line), -1);
            }
            store.write(ingester.takeBatch());

            Path socket = dir.resolve("run/waybill.sock");
            AddressTracer tracer = new AddressTracer(cpanel,
                    JndiMxResolver.forServer(new InetSocketAddress("127.0.0.1", 9), Duration.ofMillis(200), 1));
            MethodRegistry methods = new QueryMethods(ds, "web1", tracer).registerAll(new MethodRegistry());
            RenderMethod.forStore(ds, tracer, Templates.load(pluginDir()), "web1", 30).registerOn(methods);
            server = new SocketServer(ServerSettings.defaults(socket), methods,
                    new ScopeResolver(LiveAccounts.watching(cpanel, l -> { }), SystemUsers.system()),
                    l -> System.err.println("daemon: " + l))
                    .registerBuiltins(Map::of);
            server.start();

            // The pages installed where cPanel keeps them, readable by the cPanel user.
            Path cpanelPage = install(dir, pluginDir().resolve("cpanel/index.live.pl"),
                    dir.resolve("usr/local/cpanel/base/frontend/jupiter/waybill/index.live.pl"));
            Path whmPage = install(dir, pluginDir().resolve("whm/waybill.cgi"),
                    dir.resolve("usr/local/cpanel/whostmgr/docroot/cgi/waybill/waybill.cgi"));
            Path emuLib = Path.of("src/test/resources/cpanel-emu").toAbsolutePath();
            CpsrvdEmulator cpsrvd = new CpsrvdEmulator(cpanelPage, whmPage, socket, cpanel, emuLib);
            return new PageFixture(names, dir, now, ds, server, cpsrvd);
        } catch (Exception | Error e) {
            if (server != null) {
                server.close();
            }
            if (ds != null) {
                ds.close();
            }
            SystemAccounts.remove(names.alice());
            SystemAccounts.run(List.of("rm", "-rf", dir.toString()));
            throw e;
        }
    }

    /** Takes it all down: the emulator, the socket server, the pool, the user and the directory. */
    void close() throws Exception {
        cpsrvd.close();
        server.close();
        ds.close();
        SystemAccounts.remove(names.alice());
        SystemAccounts.run(List.of("rm", "-rf", dir.toString()));
    }

    static Path pluginDir() {
        return Path.of("..", "plugin").toAbsolutePath().normalize();
    }

    private static Path install(Path dir, Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        for (Path p = to.getParent(); p.startsWith(dir) && !p.equals(dir); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
        return to;
    }

    /** Account files: alice (the reseller's), bob (root's); forwarders of alice's domain; the reseller's ACLs. */
    private static Path fakeCpanel(Path root, Names n) throws IOException {
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.createDirectories(root.resolve("var/cpanel/users"));
        Map<String, String> owners = Map.of(n.alice(), n.reseller(), n.bob(), "root", n.reseller(), "root");
        StringBuilder userdomains = new StringBuilder();
        StringBuilder owner = new StringBuilder();
        StringBuilder local = new StringBuilder();
        for (Map.Entry<String, String> e : owners.entrySet()) {
            userdomains.append(e.getKey()).append(".example: ").append(e.getKey()).append('\n');
            owner.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            local.append(e.getKey()).append(".example\n");
            Files.writeString(root.resolve("var/cpanel/users").resolve(e.getKey()),
                    "DNS=" + e.getKey() + ".example\nOWNER=" + e.getValue() + "\nPLAN=default\n"
                            + "STARTDATE=1262304000\n"); // 2010-01-01, before the fixture's mail
        }
        userdomains.append("*: nobody\n");
        Files.writeString(root.resolve("etc/userdomains"), userdomains);
        Files.writeString(root.resolve("etc/trueuserowners"), owner);
        Files.writeString(root.resolve("etc/localdomains"), local);
        Files.writeString(root.resolve("var/cpanel/resellers"), n.reseller() + ":list-accts,create-acct\n" + n.plain() + ":\n");
        String domain = n.alice() + ".example";
        Files.writeString(root.resolve("etc/valiases").resolve(domain),
                "sales@" + domain + ": info@" + domain + ", gone@" + domain + "\n"
                        + "gone@" + domain + ": :fail: No such person here\n");
        Path mail = root.resolve("home").resolve(n.alice()).resolve("etc").resolve(domain);
        Files.createDirectories(mail);
        Files.writeString(mail.resolve("passwd"), "info:x:1000:1000::/home/" + n.alice() + "/mail/" + domain + "/info:/bin/false\n");
        return root;
    }
}
