package dev.waybill.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One empty database of a {@link MariaDbServer}, private to the test (or test class) that asked
 * for it. Closing it drops it; {@link PrivateMariaDb} does that when the test ends.
 */
public final class TestDatabase implements AutoCloseable {

    private final MariaDbServer server;
    private final String name;

    TestDatabase(MariaDbServer server, String name) {
        this.server = server;
        this.name = name;
    }

    /** The schema name, unique on its server. */
    public String name() {
        return name;
    }

    public MariaDbServer server() {
        return server;
    }

    /** JDBC URL with this database as the default one, for the code under test. */
    public String jdbcUrl() {
        return server.jdbcUrl() + name;
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    /** A connection pool to this database, as the daemon would open one; the caller closes it. */
    public com.zaxxer.hikari.HikariDataSource pool(int size) {
        com.zaxxer.hikari.HikariConfig h = new com.zaxxer.hikari.HikariConfig();
        h.setJdbcUrl(jdbcUrl());
        h.setUsername(user());
        h.setPassword(password());
        h.setMaximumPoolSize(size);
        return new com.zaxxer.hikari.HikariDataSource(h);
    }

    /** Opens a connection to this database; the caller closes it. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user(), password());
    }

    /**
     * Drops the database. Does nothing while the server is stopped: its whole datadir goes when
     * the server is closed.
     */
    @Override
    public void close() {
        if (!server.isRunning()) {
            return;
        }
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS `" + name + "`");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop database " + name + " on " + server, e);
        }
    }

    @Override
    public String toString() {
        return "TestDatabase[" + name + " on " + server + "]";
    }
}
