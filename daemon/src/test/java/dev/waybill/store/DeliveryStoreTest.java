package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PrivateMariaDb.class)
class DeliveryStoreTest {

    /**
     * A pool whose connections can be made to break as HikariCP's do: the statement fails with a
     * connection error, and from then on the connection answers only "Connection is closed", with
     * no SQL state.
     */
    static final class BreakingPool implements DataSource {
        final DataSource real;
        volatile boolean breakNext;

        BreakingPool(DataSource real) {
            this.real = real;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection c = real.getConnection();
            boolean[] broken = {false};
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close")) {
                            c.close();
                            return null;
                        }
                        if (broken[0]) {
                            throw new SQLException("Connection is closed");
                        }
                        if (breakNext && method.getName().equals("prepareStatement")) {
                            breakNext = false;
                            broken[0] = true;
                            throw new SQLNonTransientConnectionException("(conn=9) Socket error", "08000");
                        }
                        try {
                            return method.invoke(c, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String user, String password) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }

    @Test
    void write_connectionLostMidBatch_throwsTheConnectionError_notTheBrokenConnectionsComplaint(TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            BreakingPool pool = new BreakingPool(ds);
            DeliveryStore store = new DeliveryStore(pool, "store-test");
            store.prepare();
            RowBatch batch = new RowBatch();
            batch.position("/var/log/exim_mainlog", "v1:1:2:3:0:0000000000000000", null);
            pool.breakNext = true;
            SQLException e = assertThrows(SQLException.class, () -> store.write(batch));
            assertEquals("08000", e.getSQLState(), "what a writer waits out: " + e);
            store.write(batch); // and the next connection works
            assertEquals("v1:1:2:3:0:0000000000000000", store.position("/var/log/exim_mainlog")[0]);
        }
    }
}
