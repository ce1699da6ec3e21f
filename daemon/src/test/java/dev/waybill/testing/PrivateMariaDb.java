package dev.waybill.testing;

import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a private MariaDB server: one {@code mariadbd} per test run (JVM), started on first
 * use and removed with its datadir when the run ends.
 *
 * <pre>{@code
 * @ExtendWith(PrivateMariaDb.class)
 * class DeliveryStoreTest {
 *     @Test
 *     void insert_thenSearch_findsRow(TestDatabase db) throws SQLException {
 *         try (Connection c = db.connect()) { ... }   // or db.jdbcUrl(), db.user(), db.password()
 *     }
 *
 *     @Test
 *     void ingest_databaseDown_resumesAfterRestart(TestDatabase db, MariaDbServer server) {
 *         server.stop(); ... server.start(); ...
 *     }
 * }
 * }</pre>
 *
 * <p>Parameters it resolves, in test methods, lifecycle methods and constructors:
 * <ul>
 *   <li>{@link TestDatabase}: an empty database of its own, dropped when its scope ends. The
 *       scope is the first to ask: a {@code @BeforeAll} method (or the constructor of a
 *       per-class test instance) gets one database for the whole class; otherwise each test
 *       gets its own, the same one in its {@code @BeforeEach}, test and {@code @AfterEach}.
 *   <li>{@link MariaDbServer}: the shared server, to read its address or to {@link
 *       MariaDbServer#stop() stop} and {@link MariaDbServer#start() start} it. A test that leaves
 *       it stopped does not break the next one: the server is started again when a parameter is
 *       next resolved. Tests run one at a time; should parallel execution ever be switched on, a
 *       test that stops the server must {@link MariaDbServer#launch() launch} its own.
 * </ul>
 *
 * <p>Start-up failures (binary missing, port busy, {@code mariadb-install-db} failing) fail the
 * test with a {@link MariaDbServer.StartException} naming the cause and the log to read; nothing
 * is skipped.
 */
public final class PrivateMariaDb implements ParameterResolver {

    private static final Namespace NAMESPACE = Namespace.create(PrivateMariaDb.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == MariaDbServer.class || type == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        MariaDbServer server = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedServer.class, k -> new SharedServer(),
                        SharedServer.class)
                .running();
        if (parameter.getParameter().getType() == MariaDbServer.class) {
            return server;
        }
        // A store lookup falls back to the enclosing contexts, so a database created for the
        // class is found again by each of its tests instead of a new one being made.
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(TestDatabase.class,
                k -> server.createDatabase(label(context)), TestDatabase.class);
    }

    private static String label(ExtensionContext context) {
        String testClass = context.getTestClass().map(Class::getSimpleName).orElse("test");
        return context.getTestMethod().map(Method::getName)
                .map(method -> testClass + "_" + method)
                .orElse(testClass);
    }

    /**
     * The run's server, started on first request. A failed start is remembered and reported to
     * every later test, rather than retried by each of them.
     */
    private static final class SharedServer implements AutoCloseable {
        private MariaDbServer server;
        private RuntimeException failure;

        synchronized MariaDbServer running() {
            if (failure != null) {
                throw failure;
            }
            if (server == null) {
                try {
                    server = MariaDbServer.launch();
                } catch (RuntimeException e) {
                    failure = e;
                    throw e;
                }
            }
            if (!server.isRunning()) {
                server.start();
            }
            return server;
        }

        @Override
        public synchronized void close() {
            if (server != null) {
                server.close();
            }
        }
    }
}
