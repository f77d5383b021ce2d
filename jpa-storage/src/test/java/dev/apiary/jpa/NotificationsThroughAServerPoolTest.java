package dev.apiary.jpa;

import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * LISTEN where the application cannot see the data source's driver, as with a server-managed data source: the driver
 * (WildFly's {@code org.postgresql} module, an Open Liberty shared library) is loaded by a class loader of its own,
 * the server's pool hands out wrappers of its own classes, and the application's copy of the driver (here: the test
 * class path's) is another class than the data source's, or absent. The test's pool loads the driver jar in an
 * isolated class loader and wraps connections, statements, result sets and metadata in proxies the driver cannot be
 * reached through, but passes {@code unwrap} and {@code isWrapperFor} on to the driver, as the servers' pools do.
 */
class NotificationsThroughAServerPoolTest {

    private final String queue = "pool-notify-" + System.nanoTime();
    private final List<String> warnings = new ArrayList<>();
    private final Handler logged = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                synchronized (warnings) {
                    warnings.add(record.getMessage());
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Logger listenerLog = Logger.getLogger(PgNotificationListener.class.getName());
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        listenerLog.removeHandler(logged);
    }

    @Test
    void aPushWakesIdleWorkersWhenOnlyTheConnectionsClassLoaderSeesTheDriver() throws Exception {
        URLClassLoader driverModule = new URLClassLoader(new URL[]{driverJar()}, ClassLoader.getPlatformClassLoader());
        closing.add(driverModule);
        ServerPool pool = new ServerPool(driverModule, true);
        try (Connection wrapper = pool.getConnection()) {
            assertThat(wrapper.getClass().getClassLoader()).as("the pool's wrapper")
                    .isSameAs(ClassLoader.getPlatformClassLoader());
        }
        listenerLog.addHandler(logged);
        Semaphore woken = new Semaphore(0);
        JpaJobStorage<ContractPayload> listener = JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK,
                Db.POSTGRESQL)).queue(queue, ContractPayload.class).notifications(pool).build();
        closing.add(listener::close);

        listener.onAvailable(woken::release);
        await().until(() -> listeningThreads(pool) == 1 && listeningBackends() >= 1);
        JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL)).queue(queue,
                ContractPayload.class).build().push(new ContractPayload("from another node", 1));

        assertThat(woken.tryAcquire(5, TimeUnit.SECONDS)).as("woken; warnings: " + warnings).isTrue();
        synchronized (warnings) {
            assertThat(warnings).noneMatch(w -> w.contains("No LISTEN"));
        }
    }

    @Test
    void aConnectionThatFailsWhileLookedIntoIsReplacedAndListeningConnectsRatherThanGivingUp() throws Exception {
        URLClassLoader driverModule = new URLClassLoader(new URL[]{driverJar()}, ClassLoader.getPlatformClassLoader());
        closing.add(driverModule);
        ServerPool pool = new ServerPool(driverModule, true);
        listenerLog.addHandler(logged);
        JpaJobStorage<ContractPayload> listener = JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK,
                Db.POSTGRESQL)).queue(queue, ContractPayload.class).notifications(pool).build();
        closing.add(listener::close);
        pool.breaking.set(1);

        listener.onAvailable(() -> { });

        // the first connection breaks as it is looked into: a passing fault, not a driver out of reach
        await().atMost(java.time.Duration.ofSeconds(20)).until(() -> pool.breaking.get() == 0
                && listeningBackends() >= 1);
        assertThat(listeningThreads(pool)).isEqualTo(1);
        synchronized (warnings) {
            assertThat(warnings).noneMatch(w -> w.contains("No LISTEN"));
        }
    }

    @Test
    void aPoolThatHidesTheDriverCompletelyLeavesPollingAndTheWarningNamesTheLineToAdd() throws Exception {
        URLClassLoader driverModule = new URLClassLoader(new URL[]{driverJar()}, ClassLoader.getPlatformClassLoader());
        closing.add(driverModule);
        ServerPool pool = new ServerPool(driverModule, false);
        listenerLog.addHandler(logged);
        JpaJobStorage<ContractPayload> listener = JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK,
                Db.POSTGRESQL)).queue(queue, ContractPayload.class).notifications(pool).build();
        closing.add(listener::close);

        listener.onAvailable(() -> { });

        await().until(() -> {
            synchronized (warnings) {
                return warnings.stream().anyMatch(w -> w.startsWith("No LISTEN") && w.contains(queue));
            }
        });
        synchronized (warnings) {
            assertThat(warnings).filteredOn(w -> w.startsWith("No LISTEN") && w.contains(queue)).singleElement()
                    .asString()
                    .contains("[" + queue + "]")
                    .contains("'Dependencies: org.postgresql'")
                    .contains("<classloader commonLibraryRef=");
        }
        await().until(() -> listeningThreads(pool) == 0);
    }

    /** Sessions of the test database that are listening on Apiary's channel. */
    private static int listeningBackends() throws SQLException {
        try (Connection c = TestDatabases.postgresDataSource().getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN "
                     + JobTable.CHANNEL + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long listeningThreads(DataSource dataSource) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(PgNotificationListener.threadName(dataSource))).count();
    }

    private static URL driverJar() throws ClassNotFoundException {
        return Class.forName("org.postgresql.Driver").getProtectionDomain().getCodeSource().getLocation();
    }

    /** A server's connection pool in miniature: the driver in its own class loader, JDBC objects behind proxies. */
    private static final class ServerPool implements DataSource {

        private final Driver driver;
        private final String url = TestDatabases.url(Db.POSTGRESQL);
        /** Whether {@code unwrap} and {@code isWrapperFor} reach the driver, as on WildFly, Payara and Open Liberty. */
        private final boolean passesUnwrap;
        /** How many connections still to hand out that break once looked into (metadata, queries), as a reset would. */
        final java.util.concurrent.atomic.AtomicInteger breaking = new java.util.concurrent.atomic.AtomicInteger();

        ServerPool(ClassLoader driverModule, boolean passesUnwrap) throws ReflectiveOperationException {
            this.passesUnwrap = passesUnwrap;
            this.driver = (Driver) Class.forName("org.postgresql.Driver", true, driverModule)
                    .getDeclaredConstructor().newInstance();
        }

        @Override
        public Connection getConnection() throws SQLException {
            Properties login = new Properties();
            login.setProperty("user", "postgres");
            login.setProperty("password", "postgres");
            boolean breaks = breaking.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            return wrap(Connection.class, driver.connect(url, login), passesUnwrap, breaks);
        }

        @Override
        public Connection getConnection(String user, String password) {
            throw new UnsupportedOperationException();
        }

        /** Wraps JDBC objects in proxies of the pool's own (here: the platform's) class loader; values pass as is. */
        private static <T> T wrap(Class<T> type, Object target, boolean passesUnwrap, boolean breaks) {
            InvocationHandler handler = (proxy, method, args) -> {
                if (breaks && List.of("getMetaData", "executeQuery", "isWrapperFor").contains(method.getName())) {
                    throw new SQLException("An I/O error occurred while sending to the backend", "08006");
                }
                if (!passesUnwrap && method.getName().equals("isWrapperFor")) {
                    return false;
                }
                if (!passesUnwrap && method.getName().equals("unwrap")) {
                    throw new SQLException("not a wrapper for " + args[0]);
                }
                Object result;
                try {
                    result = method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
                if (method.getName().equals("unwrap") || result == null) {
                    return result;
                }
                for (Class<?> wrapped : List.of(Connection.class, Statement.class, ResultSet.class,
                        DatabaseMetaData.class)) {
                    if (wrapped.isAssignableFrom(method.getReturnType())) {
                        return wrap(method.getReturnType(), result, passesUnwrap, breaks);
                    }
                }
                return result;
            };
            return type.cast(Proxy.newProxyInstance(ClassLoader.getPlatformClassLoader(), new Class<?>[]{type},
                    handler));
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
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
