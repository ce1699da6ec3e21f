package dev.waybill.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.admin.AdminServer;
import dev.waybill.admin.AdminToken;
import dev.waybill.account.AccountFiles;
import dev.waybill.config.ConfigException;
import dev.waybill.config.WaybillConfig;
import dev.waybill.exim.ParsedLine;
import dev.waybill.ingest.LogIngestion;
import dev.waybill.server.LiveAccounts;
import dev.waybill.server.MethodRegistry;
import dev.waybill.render.Pages;
import dev.waybill.render.Templates;
import dev.waybill.server.QueryMethods;
import dev.waybill.server.RenderMethod;
import dev.waybill.server.ScopeResolver;
import dev.waybill.server.ServerSettings;
import dev.waybill.server.SocketServer;
import dev.waybill.server.SystemUsers;
import dev.waybill.ingest.StoreWriter;
import dev.waybill.store.Database;
import dev.waybill.store.DeliveryStore;
import dev.waybill.store.Retention;
import dev.waybill.trace.AddressTracer;
import dev.waybill.trace.JndiMxResolver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * {@code waybill run}: the daemon. Follows the main log into the database until stopped; SIGTERM
 * commits what was read and exits, and a hard kill loses nothing (see {@link LogIngestion}).
 */
final class RunCommand {

    static final String USAGE = """
            Usage: waybill run [--config FILE]

            The daemon: follows Exim's main log (log.path) into the database (db.url), exactly
            once, through rotations and restarts; waits for the database when it is down.
            Answers the cPanel and WHM pages and the CLI on its socket (socket.path), and
            serves the admin page on admin.listen (loopback only) when that is set.

            Options:
              --config FILE   configuration file (default /etc/waybill/waybill.conf)
              -h, --help      show this text
            """;

    /** How often rows past the retention window are removed, and how soon after start. */
    static final long RETENTION_EVERY_MINUTES = 60;
    static final long RETENTION_FIRST_MINUTES = 1;

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private RunCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--config" -> {
                    if (++i >= args.length) {
                        err.println("waybill run: --config needs a value");
                        return 2;
                    }
                    configFile = Path.of(args[i]);
                }
                default -> {
                    err.println("waybill run: unknown argument '" + args[i] + "'");
                    return 2;
                }
            }
        }
        WaybillConfig config;
        try {
            config = WaybillConfig.load(configFile).requireDatabase();
        } catch (ConfigException e) {
            err.println("waybill run: " + e.getMessage());
            return 2;
        }
        Consumer<String> say = line -> err.println(LocalDateTime.now().format(STAMP) + " waybill: " + line);
        config.warnings().forEach(w -> say.accept("warning: " + w));
        if (config.serverIdNote() != null) {
            say.accept("warning: " + config.serverIdNote());
        }
        AccountFiles accounts;
        try {
            accounts = new AccountFiles(config.cpanelRoot());
        } catch (IOException e) {
            err.println("waybill run: cannot read cPanel account files under " + config.cpanelRoot() + ": " + e);
            return 1;
        }
        AtomicReference<String> state = new AtomicReference<>("waiting for the database");
        AtomicReference<LogIngestion> ingestionRef = new AtomicReference<>();
        // The pool connects on first use, so the socket answers (health, and "unavailable" from
        // queries) even while the database is still away.
        HikariDataSource ds;
        HikariDataSource queries;
        try {
            ds = Database.open(config, "waybill");
        } catch (ConfigException e) {
            err.println("waybill run: " + e.getMessage());
            return 2;
        }
        try {
            queries = Database.openForQueries(config, "waybill-queries");
        } catch (ConfigException e) {
            ds.close();
            err.println("waybill run: " + e.getMessage());
            return 2;
        }
        SocketServer server;
        AdminServer admin;
        AtomicReference<String> adminUrl = new AtomicReference<>();
        Retention retention = new Retention(ds, config.serverId());
        AtomicReference<ScheduledFuture<?>> nextPurge = new AtomicReference<>();
        try {
            Templates templates = loadTemplates(config);
            AddressTracer tracer = new AddressTracer(config.cpanelRoot(), JndiMxResolver.system());
            Pages pages = Pages.forStore(queries, tracer, templates, config.serverId(), config.retentionDays());
            server = startSocketServer(config, queries, tracer, pages, templates, state, ingestionRef, adminUrl,
                    () -> retentionState(retention, config, nextPurge.get()), say);
            try {
                admin = startAdminPage(config, pages, templates, say);
            } catch (IOException e) {
                server.close();
                throw e;
            }
        } catch (IOException e) {
            ds.close();
            queries.close();
            err.println("waybill run: " + e.getMessage());
            return 1;
        }
        if (admin != null) {
            adminUrl.set(admin.url());
        }
        try (server; queries; ds; admin) { // admin is null when the page is off: nothing to close
            DeliveryStore store = new DeliveryStore(ds, config.serverId());
            if (!prepareWaiting(store, config, say, state)) {
                return 1;
            }
            LogIngestion ingestion = new LogIngestion(config.logPath(), config.logTimezone(), store, accounts,
                    config.retentionDays(), say);
            state.set("following the log");
            ingestionRef.set(ingestion);
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                ingestion.stop();
                try {
                    finished.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "waybill-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            say.accept("started (server " + config.serverId() + ", database " + config.dbUrl() + ", keeping "
                    + config.retentionDays() + " days)");
            ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "waybill-retention");
                t.setDaemon(true);
                return t;
            });
            nextPurge.set(background.scheduleWithFixedDelay(() -> purge(retention, config, say),
                    RETENTION_FIRST_MINUTES, RETENTION_EVERY_MINUTES, TimeUnit.MINUTES));
            try {
                ingestion.run();
                say.accept("stopped; everything read is committed");
                return 0;
            } catch (SQLException e) {
                if (ingestion.stopping() && StoreWriter.isTransient(e)) {
                    say.accept("stopped before the database took the last batch (" + StoreWriter.oneLine(e)
                            + "); what was committed stays, and the next start reads the rest of the log again");
                    return 0;
                }
                say.accept((StoreWriter.stoppedWriter(e) ? "" : "the database refused a write: ")
                        + StoreWriter.oneLine(e) + "; stopping");
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                say.accept("interrupted; stopping");
                return 1;
            } catch (RuntimeException | Error e) {
                // Said here, before the shutdown hook may let the JVM halt with the trace unprinted.
                say.accept("stopped by an internal error: " + e);
                throw e;
            } finally {
                background.shutdownNow();
                finished.countDown();
            }
        }
    }

    /**
     * The {@code retention} section of {@code health}: the window, the pass running now with what
     * it has removed so far, the last pass (when it began and ended, what it removed, why it
     * failed), and when the next one begins ({@code next} is null until the database is reachable).
     */
    static Map<String, Object> retentionState(Retention retention, WaybillConfig config, ScheduledFuture<?> next) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("days", config.retentionDays());
        Retention.Pass running = retention.running();
        r.put("running", running != null);
        if (running != null) {
            r.put("running_since", Instant.ofEpochSecond(running.started()).toString());
            r.put("running_removed", running.removed());
        }
        Retention.Pass last = retention.last();
        if (last != null) {
            r.put("last_started", Instant.ofEpochSecond(last.started()).toString());
            r.put("last_finished", Instant.ofEpochSecond(last.finished()).toString());
            r.put("last_removed", last.removed());
            r.put("last_cutoff", Instant.ofEpochSecond(last.cutoff()).toString());
            if (last.failure() != null) {
                r.put("last_failure", last.failure());
            }
        }
        if (next != null && running == null) {
            long ms = next.getDelay(TimeUnit.MILLISECONDS);
            r.put("next_pass", Instant.ofEpochMilli(System.currentTimeMillis() + Math.max(0, ms))
                    .truncatedTo(ChronoUnit.SECONDS).toString());
        }
        return r;
    }

    /** What holds the backfill, for the status line: " (backfill: ...)", or nothing. */
    private static String held(String backfillTrouble) {
        return backfillTrouble == null ? "" : " (backfill: " + backfillTrouble + ")";
    }

    /**
     * Starts answering on the socket before the database is reachable, so that {@code waybill
     * status} can tell an administrator what the daemon waits for. SIGTERM closes it (and removes
     * the socket file) whatever the daemon is doing.
     */
    private static SocketServer startSocketServer(WaybillConfig config, DataSource ds, AddressTracer tracer,
            Pages pages, Templates templates,
            AtomicReference<String> state, AtomicReference<LogIngestion> ingestion, AtomicReference<String> adminUrl,
            Supplier<Map<String, Object>> retentionState, Consumer<String> say) throws IOException {
        ScopeResolver resolver = new ScopeResolver(LiveAccounts.watching(config.cpanelRoot(), say), SystemUsers.system());
        MethodRegistry methods = new QueryMethods(ds, config.serverId(), tracer).registerAll(new MethodRegistry());
        new RenderMethod(pages).registerOn(methods);
        SocketServer server = new SocketServer(ServerSettings.defaults(config.socketPath()), methods, resolver, say).registerBuiltins(() -> {
                    Map<String, Object> ingest = new LinkedHashMap<>();
                    LogIngestion li = ingestion.get();
                    boolean backfilling = li != null && li.backfilling();
                    String waiting = li == null ? null : li.waiting();
                    String trouble = li == null ? null : li.trouble();
                    String stopped = li == null ? null : li.backfillStopped();
                    ingest.put("state", waiting != null ? waiting : trouble != null ? trouble
                            : state.get() + (backfilling ? "; backfilling its history" + held(li.backfillTrouble()) : "")
                            + (stopped == null ? "" : "; the backfill of its history stopped (" + stopped
                            + "); restart the daemon to finish it"));
                    long last = li == null ? ParsedLine.NO_TIME : li.lastLineTime();
                    if (last != ParsedLine.NO_TIME) {
                        ingest.put("last_line", Instant.ofEpochSecond(last).toString());
                    }
                    ingest.put("rows_stored", li == null ? 0 : li.rowsStored());
                    LogIngestion.Lag lag = li == null ? null : li.lag();
                    if (lag != null) {
                        ingest.put("lag_bytes", lag.bytes());
                        if (lag.oldestUnread() != ParsedLine.NO_TIME) {
                            ingest.put("lag_seconds", Math.max(0, System.currentTimeMillis() / 1000 - lag.oldestUnread()));
                        }
                    }
                    ingest.put("log", config.logPath().toString());
                    ingest.put("server_id", config.serverId());
                    ingest.put("retention_days", config.retentionDays());
                    return ingest;
                }, () -> {
                    Map<String, Object> facts = new LinkedHashMap<>();
                    String url = adminUrl.get();
                    if (url != null) {
                        facts.put("admin_url", url);
                    }
                    facts.put("retention", retentionState.get());
                    return facts;
                });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "waybill-socket-shutdown"));
        say.accept("listening on " + config.socketPath() + "; pages from " + templates.origin());
        if (!config.socketPath().equals(WaybillConfig.DEFAULT_SOCKET)) {
            String why = server.alsoAt(WaybillConfig.DEFAULT_SOCKET);
            if (why != null) {
                say.accept(why.isEmpty() ? "also at " + WaybillConfig.DEFAULT_SOCKET + " (a link), where the cPanel"
                        + " and WHM pages and cPanel accounts look"
                        : "warning: the cPanel and WHM pages and cPanel accounts look for the daemon at "
                        + WaybillConfig.DEFAULT_SOCKET + ": " + why);
            }
        }
        return server;
    }

    private static Templates loadTemplates(WaybillConfig config) throws IOException {
        try {
            return Templates.load(config.pluginPath());
        } catch (IllegalStateException e) {
            throw new IOException("the page templates cannot be used: " + e.getMessage(), e);
        }
    }

    /**
     * Starts the admin page (servers without cPanel) when {@code admin.listen} is set: the same
     * views as the WHM page, with root's scope, on loopback only. SIGTERM closes it.
     *
     * @return the running page, or null when it is off
     * @throws IOException if the token cannot be read or the address cannot be bound
     */
    private static AdminServer startAdminPage(WaybillConfig config, Pages pages, Templates templates,
            Consumer<String> say) throws IOException {
        if (config.adminListen().isEmpty()) {
            return null;
        }
        AdminToken token = AdminToken.read(config.adminTokenFile());
        if (AdminToken.readableByOthers(config.adminTokenFile())) {
            say.accept("warning: others may read the admin page's token: chmod 600 " + config.adminTokenFile());
        }
        AdminServer admin = new AdminServer(config.adminListen().get(), token, config.adminTokenFile(), pages,
                templates, say);
        admin.start();
        Runtime.getRuntime().addShutdownHook(new Thread(admin::close, "waybill-admin-shutdown"));
        say.accept("admin page on " + admin.url() + " (loopback only; token in " + config.adminTokenFile() + ")");
        return admin;
    }

    /** One retention pass; a failure is logged and the next pass tries again. */
    private static void purge(Retention retention, WaybillConfig config, Consumer<String> say) {
        long cutoff = System.currentTimeMillis() / 1000 - config.retentionDays() * 86_400L;
        try {
            long deleted = retention.purgeBefore(cutoff);
            if (deleted > 0) {
                say.accept("retention: removed " + deleted + " rows older than " + config.retentionDays() + " days");
            }
        } catch (SQLException | RuntimeException e) {
            say.accept("retention pass failed (" + StoreWriter.oneLine(e) + "); the next pass will try again");
        }
    }

    /** Creates or migrates the schema, waiting (and saying so once) while the database is down. */
    private static boolean prepareWaiting(DeliveryStore store, WaybillConfig config, Consumer<String> say,
                                          AtomicReference<String> state) {
        boolean[] said = {false};
        try {
            StoreWriter.waitingOutOutages(() -> true, store::prepare, e -> {
                state.set("waiting for the database (" + StoreWriter.oneLine(e) + ")");
                if (!said[0]) {
                    say.accept("waiting for the database at " + config.dbUrl() + " (" + StoreWriter.oneLine(e) + ")");
                    said[0] = true;
                }
            });
        } catch (SQLException e) {
            say.accept("cannot use the database at " + config.dbUrl() + ": " + StoreWriter.oneLine(e));
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (said[0]) {
            say.accept("database reachable; starting");
        }
        return true;
    }
}
