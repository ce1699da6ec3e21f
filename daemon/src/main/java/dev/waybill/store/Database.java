package dev.waybill.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.config.ConfigException;
import dev.waybill.config.WaybillConfig;
import java.util.Locale;
import java.util.function.Supplier;

/** The connection pool to MariaDB, configured from {@link WaybillConfig}. */
public final class Database {

    private Database() {
    }

    /**
     * Opens a pool. It does not connect yet: the first borrower does, so that a daemon can start
     * while the database is down and wait for it.
     *
     * @throws ConfigException in one line naming {@code db.url} when the pool cannot be made
     */
    public static HikariDataSource open(WaybillConfig config, String poolName) throws ConfigException {
        return pool(config, () -> {
            HikariConfig h = settings(config, poolName, WRITE_SOCKET_SECONDS);
            h.setConnectionInitSql(writeLimits());
            return h;
        });
    }

    /**
     * Seconds a write may wait for another session's lock (a row an import holds, an
     * administrator's {@code LOCK TABLES} or {@code ALTER TABLE}) before the database says so:
     * InnoDB's own default for rows, and the same for tables, whose default is a day. The writer
     * then retries, and says which lock holds it, rather than waiting without a word.
     */
    static final int WRITE_LOCK_SECONDS = 50;

    /**
     * Seconds the driver waits for any answer of the database on a writing connection before it
     * gives the connection up: a database that stopped answering without closing its connections
     * (its host lost, a network cut, a frozen process) is then an outage like any other, waited
     * out and said, where the write would otherwise wait for the kernel's TCP timeouts, for hours.
     * Above {@link #WRITE_LOCK_SECONDS}, so that a lock wait ends first with the database's own
     * answer. Schema migrations, which may rightly take longer, lift it ({@link Schema#migrate}).
     */
    static final int WRITE_SOCKET_SECONDS = 120;

    static String writeLimits() {
        return "SET SESSION lock_wait_timeout = " + WRITE_LOCK_SECONDS + ", innodb_lock_wait_timeout = "
                + WRITE_LOCK_SECONDS;
    }

    /**
     * Seconds a question asked over the socket may take in the database, waiting for locks
     * included: below the CLI's 30 s, so that a question blocked by another session's lock
     * (an administrator's {@code LOCK TABLES}) gets a clear error, not a client's timeout.
     */
    static final int QUERY_SECONDS = 20;

    /**
     * Opens the daemon's pool for questions, apart from the one it writes through: questions a
     * lock holds up must never take the connections ingest needs. Each statement is bounded by
     * {@link #QUERY_SECONDS}.
     *
     * @throws ConfigException in one line naming {@code db.url} when the pool cannot be made
     */
    public static HikariDataSource openForQueries(WaybillConfig config, String poolName) throws ConfigException {
        return pool(config, () -> {
            // An answer waited for longer than the statement's own bound, and shorter than the
            // CLI's 30 s: a database that stopped answering is an error the caller is told of.
            HikariConfig h = settings(config, poolName, QUERY_SECONDS + 5);
            h.setConnectionInitSql(queryLimits());
            return h;
        });
    }

    /**
     * Makes a pool from the settings {@code settings} gives. Nothing connects yet, so whatever
     * fails here comes from the configuration (a URL no driver takes, a setting the pool or the
     * driver refuses) and would fail the same way at every start: it is said in one line naming
     * {@code db.url}, with the reason of the innermost cause, in place of a stack trace.
     */
    private static HikariDataSource pool(WaybillConfig config, Supplier<HikariConfig> settings)
            throws ConfigException {
        try {
            return new HikariDataSource(settings.get());
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root.getMessage() == null ? root.toString() : root.getMessage();
            String where = config.source() == null ? "" : config.source() + ": ";
            throw new ConfigException(where + "db.url = '" + config.dbUrl() + "' cannot be used: "
                    + why.replaceAll("\\s+", " ").strip());
        }
    }

    /**
     * The statement that bounds a question's connection: lock waits on MariaDB and MySQL alike,
     * and the whole statement on MariaDB, whose {@code max_statement_time} sits in a comment only
     * MariaDB executes ({@code /*M! ... *}{@code /}): MySQL, which has no such variable, would
     * refuse every connection of the pool.
     */
    static String queryLimits() {
        return "SET SESSION lock_wait_timeout = " + QUERY_SECONDS + ", innodb_lock_wait_timeout = " + QUERY_SECONDS
                + " /*M! , max_statement_time = " + QUERY_SECONDS + " */";
    }

    /**
     * The pool's settings. {@code socketSeconds} bounds the wait for each answer of the database
     * (Connector/J's {@code socketTimeout}), unless {@code db.url} sets {@code socketTimeout} itself.
     */
    private static HikariConfig settings(WaybillConfig config, String poolName, int socketSeconds) {
        HikariConfig h = new HikariConfig();
        h.setPoolName(poolName);
        h.setJdbcUrl(config.dbUrl());
        h.setUsername(config.dbUser());
        h.setPassword(config.dbPassword());
        h.setMaximumPoolSize(config.dbPoolSize());
        h.setMinimumIdle(1);
        h.setConnectionTimeout(5_000);
        h.setValidationTimeout(2_000);
        h.setInitializationFailTimeout(-1);
        h.setAutoCommit(true);
        h.addDataSourceProperty("useServerPrepStmts", "true");
        // A JDBC batch of INSERTs goes as one bulk command where the server has it and the driver
        // may (MultiRowStatement); one of other statements (retention's DELETEs) is pipelined:
        // every statement written, then the replies read.
        h.addDataSourceProperty("useBulkStmts", "false");
        h.addDataSourceProperty("useBulkStmtsForInserts", "true");
        if (!config.dbUrl().toLowerCase(Locale.ROOT).contains("sockettimeout=")) {
            h.addDataSourceProperty("socketTimeout", String.valueOf(socketSeconds * 1000));
        }
        return h;
    }
}
