package dev.apiary.jpa;

import javax.sql.DataSource;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Listens on the PostgreSQL channel {@value JobTable#CHANNEL} with a connection of its own and wakes the storages
 * of each queue named in a notification. One listener (one connection, one thread) serves every storage built with
 * the same DataSource; it stops when the last of them unsubscribes.
 *
 * <p>The driver is reached reflectively ({@code org.postgresql.PGConnection} through {@code unwrap}): in an
 * application server the driver lives in a server module the application may not see at compile or link time.
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
    static synchronized AutoCloseable subscribe(DataSource dataSource, String queue, Runnable wakeup,
                                                ThreadFactory threadFactory) {
        PgNotificationListener listener = SHARED.get(dataSource);
        if (listener == null) {
            listener = new PgNotificationListener(dataSource, threadFactory);
            SHARED.put(dataSource, listener);
            listener.thread.start();
        }
        listener.subscribers.computeIfAbsent(queue, q -> new CopyOnWriteArrayList<>()).add(wakeup);
        PgNotificationListener subscribed = listener;
        return () -> unsubscribe(subscribed, queue, wakeup);
    }

    private static synchronized void unsubscribe(PgNotificationListener listener, String queue, Runnable wakeup) {
        List<Runnable> ofQueue = listener.subscribers.get(queue);
        if (ofQueue != null && ofQueue.remove(wakeup) && ofQueue.isEmpty()) {
            listener.subscribers.remove(queue);
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
            } catch (ClassNotFoundException | NotPostgres e) {
                // no reconnect can fix this: say so once and leave the workers to polling
                LOG.log(Level.WARNING, "No LISTEN " + JobTable.CHANNEL + " for queues " + subscribers.keySet()
                        + ": " + e.getMessage() + "; idle workers find other nodes' jobs by polling");
                stopAfterFailure();
                return;
            } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
                if (!running) {
                    return;
                }
                // once per outage, not once per reconnect attempt
                LOG.log(disconnected ? Level.FINE : Level.WARNING, "LISTEN " + JobTable.CHANNEL + " lost its "
                        + "connection; idle workers of " + subscribers.keySet() + " rely on polling until it is back "
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
     * The driver's {@code PGConnection} interface that {@code connection} wraps. A server's pool wrapper is loaded by
     * the server, and when the driver is in the application (a {@code <data-source>} of the WAR) only the
     * application's loaders see the interface: each is tried in turn.
     */
    private static Class<?> pgConnectionInterface(Connection connection) throws SQLException, NotPostgres,
            ClassNotFoundException {
        Set<ClassLoader> loaders = new java.util.LinkedHashSet<>();
        java.util.stream.Stream.of(connection.getClass().getClassLoader(),
                Thread.currentThread().getContextClassLoader(), PgNotificationListener.class.getClassLoader())
                .filter(java.util.Objects::nonNull).forEach(loaders::add);
        boolean seen = false;
        for (ClassLoader loader : loaders) {
            Class<?> candidate;
            try {
                candidate = Class.forName("org.postgresql.PGConnection", true, loader);
            } catch (ClassNotFoundException e) {
                continue;
            }
            seen = true;
            if (connection.isWrapperFor(candidate)) {
                return candidate;
            }
        }
        if (!seen) {
            throw new ClassNotFoundException("the notifications DataSource does not give PostgreSQL JDBC "
                    + "connections (org.postgresql.PGConnection is visible neither from "
                    + connection.getClass().getName() + " nor from the application)");
        }
        throw new NotPostgres(connection.getClass().getName() + " wraps no PostgreSQL connection of a driver this"
                + " application sees (not PostgreSQL, or the application's own driver in WEB-INF/lib is another copy"
                + " than the data source's: on Open Liberty give the driver only through the data source's library)");
    }

    private void listen(Connection connection)
            throws SQLException, ReflectiveOperationException, NotPostgres {
        Class<?> pgConnection = pgConnectionInterface(connection);
        ClassLoader driver = pgConnection.getClassLoader();
        Object pg = connection.unwrap(pgConnection);
        Method getNotifications = pgConnection.getMethod("getNotifications", int.class);
        Method getParameter = Class.forName("org.postgresql.PGNotification", true, driver).getMethod("getParameter");
        connection.setAutoCommit(true);
        try (Statement listen = connection.createStatement()) {
            listen.execute("LISTEN " + JobTable.CHANNEL);
        }
        if (!everConnected) {
            everConnected = true;
            LOG.info(() -> "LISTEN " + JobTable.CHANNEL + " is connected: pushes on any node wake the idle workers of "
                    + subscribers.keySet() + " at once");
        }
        if (disconnected) {
            // notifications may have been missed meanwhile
            disconnected = false;
            LOG.info(() -> "LISTEN " + JobTable.CHANNEL + " is connected again; waking the workers of "
                    + subscribers.keySet());
            subscribers.keySet().forEach(this::wake);
        }
        while (running) {
            Object notifications = getNotifications.invoke(pg, WAIT_MILLIS);
            int n = notifications == null ? 0 : Array.getLength(notifications);
            // one wake-up per queue drains as much as its workers can take, however many pushes arrived
            Set<String> queues = new HashSet<>();
            for (int i = 0; i < n; i++) {
                queues.add((String) getParameter.invoke(Array.get(notifications, i)));
            }
            queues.forEach(this::wake);
        }
    }

    private void wake(String queue) {
        for (Runnable wakeup : subscribers.getOrDefault(queue, List.of())) {
            try {
                wakeup.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A wake-up of queue '" + queue + "' failed", e);
            }
        }
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
