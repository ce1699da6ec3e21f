package dev.waybill.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLTransientConnectionException;
import javax.sql.DataSource;

/**
 * A real pool with something done before each {@code getConnection}: a database that refuses
 * (a thrown lock wait, a heap run out) or stops answering (a wait), at the moment a test chooses,
 * while the connections themselves stay real.
 */
public final class InterceptedDataSource {

    /** Runs before each {@code getConnection}; what it throws is what the caller gets. */
    @FunctionalInterface
    public interface Before {
        void getConnection() throws Throwable;
    }

    private InterceptedDataSource() {
    }

    /**
     * A database that is away: every connection refused, as HikariCP refuses one after its
     * timeout. Nothing else of it may be asked.
     */
    public static DataSource away() {
        return of(null, () -> {
            throw new SQLTransientConnectionException("waybill - Connection is not available, request timed out");
        });
    }

    public static DataSource of(DataSource real, Before before) {
        return (DataSource) Proxy.newProxyInstance(InterceptedDataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        before.getConnection();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
