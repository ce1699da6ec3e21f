package dev.waybill.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.config.WaybillConfig;

/** The connection pool to MariaDB, configured from {@link WaybillConfig}. */
public final class Database {

    private Database() {
    }

    /**
     * Opens a pool. It does not connect yet: the first borrower does, so that a daemon can start
     * while the database is down and wait for it.
     */
    public static HikariDataSource open(WaybillConfig config, String poolName) {
        return new HikariDataSource(settings(config, poolName));
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
     */
    public static HikariDataSource openForQueries(WaybillConfig config, String poolName) {
        HikariConfig h = settings(config, poolName);
        h.setConnectionInitSql(queryLimits());
        return new HikariDataSource(h);
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

    private static HikariConfig settings(WaybillConfig config, String poolName) {
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
        // A JDBC batch is sent pipelined (every statement written, then the replies read), not as
        // one bulk command: the server starts on the first statement while the driver encodes the
        // next, where a bulk command is encoded whole before the server sees any of it.
        h.addDataSourceProperty("useBulkStmts", "false");
        h.addDataSourceProperty("useBulkStmtsForInserts", "false");
        return h;
    }
}
