package dev.waybill.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Creates and migrates Waybill's tables. Migrations are numbered and applied in order, each once,
 * recorded in {@code schema_version}; a server-wide lock ({@code GET_LOCK}) makes two daemons
 * starting at once take turns, and the second finds nothing left to do.
 *
 * <p>The shape follows the questions the socket answers: the newest page of one account's mail
 * ({@code delivery_owner} by owner and time), everything to or from one address
 * ({@code by_recipient}, {@code by_email}), one message's story (a range of the primary key, see {@link RowKey}, and
 * {@code message_log}), counts by type over time ({@code by_time}).
 */
public final class Schema {

    /** The lock that serialises migrations across every daemon sharing the database. */
    static final String LOCK = "waybill_schema";
    private static final int LOCK_SECONDS = 120;

    /** One step of the schema. Never edit a released migration: add the next one. */
    record Migration(int version, String description, List<String> statements, Step step) {

        Migration(int version, String description, List<String> statements) {
            this(version, description, statements, null);
        }
    }

    /** What a migration does that SQL alone cannot, after its statements; it too must be safe to run again. */
    @FunctionalInterface
    interface Step {
        void run(Connection c) throws SQLException;
    }

    /**
     * {@code delivery.numbering}: how the row's key numbers its message's rows (1: by recipient,
     * {@link Renumbering}). Every build since writes it; an older build does not, and the database
     * refuses its rows (in strict mode, MariaDB's default).
     */
    private static final List<String> NUMBERING = List.of(
            "ALTER TABLE delivery ADD COLUMN IF NOT EXISTS numbering TINYINT UNSIGNED NOT NULL DEFAULT 1",
            "ALTER TABLE delivery ALTER COLUMN numbering DROP DEFAULT");

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "deliveries, owners, message lines, log positions", List.of(
                    """
                    CREATE TABLE IF NOT EXISTS server (
                      id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                      name VARCHAR(64) CHARACTER SET ascii NOT NULL,
                      UNIQUE KEY by_name (name)
                    ) ENGINE=InnoDB
                    """,
                    // One row per (message, recipient) outcome, and per SMTP-time rejection.
                    // row_key (RowKey) comes from what the log says: the same log line always
                    // lands on the same row, so replays are harmless. It begins with the message
                    // id's time, then its hash: rows are stored in time order, and one message's
                    // rows are one range of it, which finds them without an index by msgid.
                    // It is the primary key, so every index ends in it: (sendtime, row_key) orders
                    // pages the same way whichever index a query reads, and keyset paging needs no
                    // other tie-breaker. Addresses are indexed whole (320 characters fit an InnoDB
                    // key), so "everything to this address, newest first" reads the index in order;
                    // the type at their end lets a type filter skip entries and counts by type of
                    // one address read the index alone (one index per address, not two: every
                    // index costs each stored row an insert).
                    """
                    CREATE TABLE IF NOT EXISTS delivery (
                      row_key BINARY(16) NOT NULL,
                      server_id SMALLINT UNSIGNED NOT NULL,
                      type TINYINT UNSIGNED NOT NULL,
                      msgid VARCHAR(23) CHARACTER SET ascii NULL,
                      email VARCHAR(320) NULL,
                      sender VARCHAR(320) NULL,
                      user VARCHAR(64) NULL,
                      domain VARCHAR(255) NULL,
                      size BIGINT NULL,
                      senderhost VARCHAR(255) NULL,
                      senderip VARCHAR(45) CHARACTER SET ascii NULL,
                      senderauth VARCHAR(64) NULL,
                      spamscore DECIMAL(7,3) NULL,
                      sendtime INT UNSIGNED NOT NULL,
                      recipient VARCHAR(320) NULL,
                      deliveredto VARCHAR(1024) NULL,
                      deliveryuser VARCHAR(64) NULL,
                      deliverydomain VARCHAR(255) NULL,
                      router VARCHAR(64) NULL,
                      transport VARCHAR(64) NULL,
                      host VARCHAR(255) NULL,
                      ip VARCHAR(45) CHARACTER SET ascii NULL,
                      message TEXT NULL,
                      actiontime INT UNSIGNED NOT NULL,
                      remote BOOLEAN NOT NULL,
                      subject VARCHAR(1000) NULL,
                      attempts SMALLINT UNSIGNED NOT NULL,
                      reply TEXT NULL,
                      tls VARCHAR(128) CHARACTER SET ascii NULL,
                      bounce_msgid VARCHAR(23) CHARACTER SET ascii NULL,
                      bounce_of VARCHAR(23) CHARACTER SET ascii NULL,
                      last_time INT UNSIGNED NOT NULL,
                      PRIMARY KEY (row_key),
                      KEY by_time (sendtime),
                      KEY by_recipient (recipient, sendtime, type),
                      KEY by_email (email, sendtime, type)
                    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci
                    """,
                    // Who may see a row: the sender's account, the recipient's, the mailbox's,
                    // and the resellers owning them ("@" + reseller). Scoping is a range scan here,
                    // joined to delivery by (sendtime, row_key). The row's type rides along (kept
                    // current like the row, by last_time), so an account's counts by type and its
                    // type filters read this index alone.
                    """
                    CREATE TABLE IF NOT EXISTS delivery_owner (
                      owner VARCHAR(65) CHARACTER SET ascii NOT NULL,
                      sendtime INT UNSIGNED NOT NULL,
                      row_key BINARY(16) NOT NULL,
                      type TINYINT UNSIGNED NOT NULL,
                      last_time INT UNSIGNED NOT NULL,
                      PRIMARY KEY (owner, sendtime, row_key)
                    ) ENGINE=InnoDB
                    """,
                    // The raw lines of each message (exigrep, indexed), as logged, grouped: one row
                    // holds the lines of one message that one batch read, so a message costs a row
                    // or two, not one per line. Reading the same lines again makes the same chunk.
                    // Keyed by message id first: a message's story is one range read, and Exim's
                    // ids begin with their time, so new chunks go at the end of the index.
                    """
                    CREATE TABLE IF NOT EXISTS message_log (
                      server_id SMALLINT UNSIGNED NOT NULL,
                      msgid VARCHAR(23) CHARACTER SET ascii NOT NULL,
                      first_time INT UNSIGNED NOT NULL,
                      chunk_hash BINARY(8) NOT NULL,
                      log_lines MEDIUMTEXT NOT NULL,
                      PRIMARY KEY (msgid, server_id, first_time, chunk_hash),
                      KEY by_time (first_time)
                    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
                    """,
                    // Where the live log was read up to, committed with the rows it produced.
                    """
                    CREATE TABLE IF NOT EXISTS log_position (
                      server_id SMALLINT UNSIGNED NOT NULL,
                      source VARCHAR(255) NOT NULL,
                      position VARCHAR(255) CHARACTER SET ascii NOT NULL,
                      resume VARCHAR(255) CHARACTER SET ascii NULL,
                      updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
                      PRIMARY KEY (server_id, source)
                    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                    """,
                    // Log files read to their end by `waybill import` or a first start's backfill,
                    // known by the SHA-256 of their first 64 bytes of text (LogHead), which stays
                    // while a live log grows: a record covers a file only while the file holds no
                    // more than byte_count bytes of text.
                    """
                    CREATE TABLE IF NOT EXISTS imported_file (
                      server_id SMALLINT UNSIGNED NOT NULL,
                      fingerprint BINARY(32) NOT NULL,
                      name VARCHAR(1024) NOT NULL,
                      byte_count BIGINT UNSIGNED NOT NULL,
                      line_count BIGINT UNSIGNED NOT NULL,
                      first_time INT UNSIGNED NULL,
                      last_time INT UNSIGNED NULL,
                      imported_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                      PRIMARY KEY (server_id, fingerprint)
                    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                    """)),
            // Many servers, one database: cPanel account names are unique on one server only, so
            // an owner entry names its server too, and an account's or reseller's rows are its own
            // server's; and a message's row keys carry their server's id (unique here) where they
            // carried 16 bits of a hash of its name, which two servers' names could share. Every
            // statement can run again after an interruption and change nothing more.
            new Migration(2, "owner entries and row keys name their server", List.of(
                    "ALTER TABLE delivery_owner ADD COLUMN IF NOT EXISTS server_id SMALLINT UNSIGNED NOT NULL"
                            + " DEFAULT 0 FIRST",
                    """
                    UPDATE delivery_owner o JOIN delivery d ON d.row_key = o.row_key
                    SET o.server_id = d.server_id WHERE o.server_id = 0
                    """,
                    // Entries whose row is gone (only an interrupted retention leaves such) name no server.
                    "DELETE FROM delivery_owner WHERE server_id = 0",
                    // A message's key holds its server in bytes 12 and 13 (RowKey): owner entries
                    // first, found through their row by its old key, then the rows.
                    """
                    UPDATE IGNORE delivery_owner o JOIN delivery d ON d.row_key = o.row_key
                    SET o.row_key = INSERT(o.row_key, 12, 2, UNHEX(LPAD(HEX(d.server_id), 4, '0')))
                    WHERE d.msgid IS NOT NULL AND SUBSTRING(d.row_key, 12, 2) <> UNHEX(LPAD(HEX(d.server_id), 4, '0'))
                    """,
                    """
                    UPDATE IGNORE delivery SET row_key = INSERT(row_key, 12, 2, UNHEX(LPAD(HEX(server_id), 4, '0')))
                    WHERE msgid IS NOT NULL AND SUBSTRING(row_key, 12, 2) <> UNHEX(LPAD(HEX(server_id), 4, '0'))
                    """,
                    """
                    ALTER TABLE delivery_owner ALTER COLUMN server_id DROP DEFAULT,
                      DROP PRIMARY KEY, ADD PRIMARY KEY (server_id, owner, sendtime, row_key)
                    """)),
            // A message's rows were numbered in the order they were seen, so a reading of part of
            // its lines numbered them differently; now each recipient has its own row number.
            // A daemon of schema 2 that started before another server ran this keeps writing rows
            // numbered the old way, which nothing would renumber again (a message it had open would
            // show twice): first a column it does not write, without a default, so that its writes
            // are refused from here on (as schema 1's are from migration 2), and it stops, then
            // refuses to start on the newer schema. Its position stays with the last rows it wrote.
            new Migration(3, "a message's rows numbered by recipient", NUMBERING, Renumbering::run),
            // The same column for a store that ran migration 3 before it added it, keeping its
            // default: the daemons of that schema number rows by recipient too, and may write on.
            new Migration(4, "rows say how their message is numbered", NUMBERING.subList(0, 1)));

    private Schema() {
    }

    /** The version this build writes and reads. */
    public static int currentVersion() {
        return MIGRATIONS.get(MIGRATIONS.size() - 1).version();
    }

    /**
     * Brings the schema up to {@link #currentVersion()}. Safe to call at every start, and from
     * several daemons at once.
     *
     * @return the migrations applied by this call (0 when the schema was current)
     * @throws SQLException if a migration fails (it is not recorded, and the next start retries),
     *                      or the database is newer than this build
     */
    public static int migrate(Connection c) throws SQLException {
        return migrate(c, MIGRATIONS);
    }

    /** Applies {@code migrations} (the build's, or a test's) that the database lacks. */
    static int migrate(Connection c, List<Migration> migrations) throws SQLException {
        int newest = migrations.get(migrations.size() - 1).version();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        // A migration of a large store may take minutes without a word from the database: no
        // bound on waiting for its answers here (the pool's, for writes, would cut it short).
        int networkTimeout = c.getNetworkTimeout();
        c.setNetworkTimeout(Runnable::run, 0);
        // Nor the writer's bound on lock waits: an ALTER waits its turn behind a long transaction
        // (a dump, say) as long as the server lets it, rather than fail and start again.
        long[] lockWaits = sessionLockWaits(c);
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION lock_wait_timeout = @@GLOBAL.lock_wait_timeout,"
                    + " innodb_lock_wait_timeout = @@GLOBAL.innodb_lock_wait_timeout");
        }
        try (Statement st = c.createStatement()) {
            takeLock(st, LOCK_SECONDS, IDLE_HOLDER_SECONDS);
            try {
                st.execute("""
                        CREATE TABLE IF NOT EXISTS schema_version (
                          version INT NOT NULL PRIMARY KEY,
                          description VARCHAR(200) NOT NULL,
                          applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                        """);
                int have = installedVersion(st);
                if (have > newest) {
                    throw new SQLException("the database schema is version " + have + ", newer than this Waybill ("
                            + newest + "); upgrade Waybill");
                }
                int applied = 0;
                for (Migration m : migrations) {
                    if (m.version() <= have) {
                        continue;
                    }
                    for (String sql : m.statements()) {
                        st.execute(sql);
                    }
                    if (m.step() != null) {
                        m.step().run(c);
                    }
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO schema_version (version, description) VALUES (?, ?)")) {
                        ps.setInt(1, m.version());
                        ps.setString(2, m.description());
                        ps.executeUpdate();
                    }
                    applied++;
                }
                return applied;
            } finally {
                st.execute("DO RELEASE_LOCK('" + LOCK + "')");
            }
        } finally {
            c.setAutoCommit(autoCommit);
            c.setNetworkTimeout(Runnable::run, networkTimeout);
            try (Statement st = c.createStatement()) {
                st.execute("SET SESSION lock_wait_timeout = " + lockWaits[0] + ", innodb_lock_wait_timeout = "
                        + lockWaits[1]);
            } catch (SQLException connectionGone) {
                // never in place of the migration's own error; a connection this fails on is gone
            }
        }
    }

    /** A holder of the schema lock idle this long between statements is not migrating. */
    private static final int IDLE_HOLDER_SECONDS = 600;

    /**
     * Takes the schema lock. Another daemon migrating a large store holds it for as long as that
     * takes (minutes for millions of rows): while its session is at work, or has been idle for
     * less than {@code idleSeconds}, this waits on, in turns of {@code lockSeconds}; a holder idle
     * longer than that, or one this user cannot see, is not waited for.
     */
    static void takeLock(Statement st, int lockSeconds, int idleSeconds) throws SQLException {
        long waited = 0;
        while (true) {
            try (ResultSet lock = st.executeQuery("SELECT GET_LOCK('" + LOCK + "', " + lockSeconds + ")")) {
                if (lock.next() && lock.getInt(1) == 1) {
                    return;
                }
            }
            waited += lockSeconds;
            String holder = null;
            long idle = 0;
            try (ResultSet rs = st.executeQuery("SELECT p.COMMAND, p.TIME FROM information_schema.PROCESSLIST p"
                    + " WHERE p.ID = IS_USED_LOCK('" + LOCK + "')")) {
                if (rs.next()) {
                    holder = rs.getString(1);
                    idle = rs.getLong(2);
                }
            }
            if (holder == null) {
                try (ResultSet rs = st.executeQuery("SELECT IS_USED_LOCK('" + LOCK + "')")) {
                    if (rs.next() && rs.getObject(1) == null) {
                        continue; // released meanwhile: take it now
                    }
                }
                throw new SQLException("another session has held the schema lock for " + waited + " s (a Waybill"
                        + " daemon migrating the schema; this database user cannot see what it does)");
            }
            if ("Sleep".equalsIgnoreCase(holder) && idle >= idleSeconds) {
                throw new SQLException("another Waybill daemon has held the schema lock for " + waited + " s and"
                        + " done nothing for " + idle + " s; is a migration stuck?");
            }
        }
    }

    private static long[] sessionLockWaits(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    static int installedVersion(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
