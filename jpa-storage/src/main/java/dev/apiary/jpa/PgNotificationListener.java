package dev.apiary.jpa;

import javax.sql.DataSource;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Listens on the PostgreSQL channels {@value JobTable#CHANNEL} (pushes) and {@value JobTable#FINISHED_CHANNEL} (jobs
 * that became final) with a connection of its own and calls the subscribers of the channel and queue named in each
 * notification. One listener (one connection, one thread) serves every storage built with
 * the same DataSource; it stops when the last of them unsubscribes.
 *
 * <p>The driver is reached reflectively ({@code org.postgresql.PGConnection} through {@code unwrap}), with the
 * interface loaded by the data source's own driver: in an application server the driver lives in a server module or
 * library the application may not see at all, or sees as another copy of other classes.
 * On a lost connection it reconnects after a pause and wakes every queue once, since notifications may have been
 * missed meanwhile.
 */
final class PgNotificationListener implements Runnable {

    private static final Logger LOG = Logger.getLogger(PgNotificationListener.class.getName());
    /** How long one wait for notifications lasts; bounds how late a stop takes effect. */
    private static final int WAIT_MILLIS = 500;
    private static final long RECONNECT_MILLIS = 2_000;
    private static final Map<DataSource, PgNotificationListener> SHARED = new IdentityHashMap<>();

    private final DataSource dataSource;
    /** By {@link #key channel and queue}. */
    private final Map<String, List<Runnable>> subscribers = new ConcurrentHashMap<>();
    private final Thread thread;
    private boolean everConnected;
    private volatile boolean running = true;
    /** The connection was lost and is not back yet; touched by the listener thread only. */
    private boolean disconnected;

    private PgNotificationListener(DataSource dataSource, ThreadFactory threadFactory) {
        this.dataSource = dataSource;
        this.thread = threadFactory.newThread(this);
        thread.setName(threadName(dataSource));
        thread.setDaemon(true);
    }

    /** The listener thread's name for {@code dataSource}, which tests and thread dumps can look for. */
    static String threadName(DataSource dataSource) {
        return "apiary-listen-" + Integer.toHexString(System.identityHashCode(dataSource));
    }

    /** Runs {@code wakeup} whenever a job is pushed to {@code queue} on any node, until the handle is closed. */
    static AutoCloseable subscribe(DataSource dataSource, String queue, Runnable wakeup, ThreadFactory threadFactory) {
        return subscribe(dataSource, JobTable.CHANNEL, queue, wakeup, threadFactory);
    }

    /** Runs {@code wakeup} at each notification on {@code channel} for {@code queue}, until the handle is closed. */
    static synchronized AutoCloseable subscribe(DataSource dataSource, String channel, String queue, Runnable wakeup,
                                                ThreadFactory threadFactory) {
        PgNotificationListener listener = SHARED.get(dataSource);
        if (listener == null) {
            listener = new PgNotificationListener(dataSource, threadFactory);
            SHARED.put(dataSource, listener);
            listener.thread.start();
        }
        String key = key(channel, queue);
        listener.subscribers.computeIfAbsent(key, q -> new CopyOnWriteArrayList<>()).add(wakeup);
        PgNotificationListener subscribed = listener;
        return () -> unsubscribe(subscribed, key, wakeup);
    }

    private static String key(String channel, String queue) {
        return channel + '\n' + queue;
    }

    private static synchronized void unsubscribe(PgNotificationListener listener, String key, Runnable wakeup) {
        List<Runnable> ofQueue = listener.subscribers.get(key);
        if (ofQueue != null && ofQueue.remove(wakeup) && ofQueue.isEmpty()) {
            listener.subscribers.remove(key);
        }
        if (listener.subscribers.isEmpty() && SHARED.get(listener.dataSource) == listener) {
            SHARED.remove(listener.dataSource);
            listener.running = false;
        }
    }

    @Override
    public void run() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                listen(connection);
            } catch (NotPostgres e) {
                // no reconnect can fix this: say so once and leave the workers to polling
                LOG.log(Level.WARNING, "No LISTEN " + JobTable.CHANNEL + " for queues " + queues()
                        + ": " + e.getMessage() + "; idle workers find other nodes' jobs by polling");
                stopAfterFailure();
                return;
            } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
                if (!running) {
                    return;
                }
                // once per outage, not once per reconnect attempt
                LOG.log(disconnected ? Level.FINE : Level.WARNING, "LISTEN " + JobTable.CHANNEL + " lost its "
                        + "connection; idle workers of " + queues() + " rely on polling until it is back "
                        + "(reconnecting every " + RECONNECT_MILLIS + " ms)", e);
                disconnected = true;
                try {
                    Thread.sleep(RECONNECT_MILLIS);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /**
     * The driver's {@code PGConnection} interface that {@code connection} wraps, loaded by the driver's own class
     * loader. A server's pool hands out wrappers of its own classes, and the driver of a server-managed data source
     * lives in a loader the application cannot see (WildFly's {@code org.postgresql} module, an Open Liberty shared
     * library), or the application sees another copy of it (its own in {@code WEB-INF/lib}). So the interface is
     * looked up through every loader that may hold the data source's driver: the connection's, its metadata's, and
     * that of a value the driver itself creates (which no pool wraps), then the application's.
     */
    private static Class<?> pgConnectionInterface(Connection connection) throws NotPostgres, SQLException {
        List<String> seenIn = new ArrayList<>();
        List<SQLException> probeFailures = new ArrayList<>();
        Set<ClassLoader> tried = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Supplier<ClassLoader>> loaders = List.of(
                () -> connection.getClass().getClassLoader(),
                () -> loaderOf(() -> connection.getMetaData(), probeFailures),
                () -> loaderOf(() -> driverValue(connection), probeFailures),
                () -> Thread.currentThread().getContextClassLoader(),
                () -> PgNotificationListener.class.getClassLoader());
        for (Supplier<ClassLoader> next : loaders) {
            ClassLoader loader = next.get();
            if (loader == null || !tried.add(loader)) {
                continue;
            }
            Class<?> candidate;
            try {
                candidate = Class.forName("org.postgresql.PGConnection", true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                continue;
            }
            seenIn.add(String.valueOf(candidate.getClassLoader()));
            try {
                if (connection.isWrapperFor(candidate)) {
                    return candidate;
                }
            } catch (SQLException e) {
                LOG.log(Level.FINE, "isWrapperFor(" + candidate + ") failed", e);
                probeFailures.add(e);
            }
        }
        if (!probeFailures.isEmpty()) {
            // the connection failed while being looked into, which says nothing about the driver: reconnect and look
            // again, rather than give up notifications for good on what may be a passing fault
            throw probeFailures.get(0);
        }
        throw new NotPostgres(connection.getClass().getName() + " wraps no PostgreSQL connection Apiary can reach"
                + " (org.postgresql.PGConnection " + (seenIn.isEmpty() ? "is visible from none of the connection's,"
                + " the driver's or the application's class loaders" : "of " + seenIn + " is not what it wraps")
                + "). If the data source is PostgreSQL, let the application see the data source's driver: on WildFly"
                + " the line 'Dependencies: org.postgresql' (the driver's module name) in the WAR's"
                + " META-INF/MANIFEST.MF; on Open Liberty <classloader commonLibraryRef=\"<the library of the data"
                + " source's jdbcDriver>\"/> in the application's element of server.xml, and no driver in WEB-INF/lib");
    }

    /**
     * The class loader of what {@code source} gives, or null when it gives nothing or fails; a database failure is
     * added to {@code failures}.
     */
    private static ClassLoader loaderOf(Callable<Object> source, List<SQLException> failures) {
        try {
            Object value = source.call();
            return value == null ? null : value.getClass().getClassLoader();
        } catch (Exception e) {
            if (e instanceof SQLException sql) {
                failures.add(sql);
            }
            LOG.log(Level.FINE, "No class loader from a JDBC object of the notifications data source", e);
            return null;
        }
    }

    /**
     * A value of a PostgreSQL-specific type ({@code org.postgresql.util.PGobject} for json): pools wrap connections,
     * statements, result sets and metadata, never the values, so its class comes from the data source's driver.
     */
    private static Object driverValue(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet value = statement.executeQuery("SELECT CAST('{}' AS json)")) {
            return value.next() ? value.getObject(1) : null;
        }
    }

    private void listen(Connection connection)
            throws SQLException, ReflectiveOperationException, NotPostgres {
        connection.setAutoCommit(true);
        Class<?> pgConnection = pgConnectionInterface(connection);
        ClassLoader driver = pgConnection.getClassLoader();
        Object pg = connection.unwrap(pgConnection);
        Method getNotifications = pgConnection.getMethod("getNotifications", int.class);
        Class<?> notification = Class.forName("org.postgresql.PGNotification", true, driver);
        Method getName = notification.getMethod("getName");
        Method getParameter = notification.getMethod("getParameter");
        try (Statement listen = connection.createStatement()) {
            // the push channel last: a session's last statement, 'LISTEN apiary_jobs', is how operators see a listener
            listen.execute("LISTEN " + JobTable.FINISHED_CHANNEL);
            listen.execute("LISTEN " + JobTable.CHANNEL);
        }
        if (!everConnected) {
            everConnected = true;
            // a job may have become final between a wait's first read and this LISTEN: the waits read once more
            subscribers.keySet().stream().filter(key -> key.startsWith(JobTable.FINISHED_CHANNEL + '\n'))
                    .forEach(this::wake);
            LOG.info(() -> "LISTEN " + JobTable.CHANNEL + " is connected: pushes on any node wake the idle workers of "
                    + queues() + " at once");
        }
        if (disconnected) {
            // notifications may have been missed meanwhile
            disconnected = false;
            LOG.info(() -> "LISTEN " + JobTable.CHANNEL + " is connected again; waking the workers of "
                    + queues());
            subscribers.keySet().forEach(this::wake);
        }
        while (running) {
            Object notifications = getNotifications.invoke(pg, WAIT_MILLIS);
            int n = notifications == null ? 0 : Array.getLength(notifications);
            // one wake-up per channel and queue drains as much as its workers can take, however many pushes arrived
            Set<String> keys = new HashSet<>();
            for (int i = 0; i < n; i++) {
                Object received = Array.get(notifications, i);
                keys.add(key((String) getName.invoke(received), (String) getParameter.invoke(received)));
            }
            keys.forEach(this::wake);
        }
    }

    private void wake(String key) {
        for (Runnable wakeup : subscribers.getOrDefault(key, List.of())) {
            try {
                wakeup.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A wake-up of queue '" + key.substring(key.indexOf('\n') + 1) + "' on channel "
                        + key.substring(0, key.indexOf('\n')) + " failed", e);
            }
        }
    }

    /** The queues subscribed to, on any channel, for the log. */
    private Set<String> queues() {
        Set<String> queues = new TreeSet<>();
        for (String key : subscribers.keySet()) {
            queues.add(key.substring(key.indexOf('\n') + 1));
        }
        return queues;
    }

    private void stopAfterFailure() {
        synchronized (PgNotificationListener.class) {
            if (SHARED.get(dataSource) == this) {
                SHARED.remove(dataSource);
            }
            running = false;
        }
    }

    /** The DataSource's connections are not PostgreSQL's: listening can never work. */
    private static final class NotPostgres extends Exception {
        NotPostgres(String message) {
            super(message);
        }
    }
}
