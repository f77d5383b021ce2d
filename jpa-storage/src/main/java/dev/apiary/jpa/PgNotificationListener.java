package dev.apiary.jpa;

import javax.sql.DataSource;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Listens on a PostgreSQL channel with a connection of its own and runs {@code wakeup} for each notification naming
 * this queue. The driver is reached reflectively ({@code org.postgresql.PGConnection} through {@code unwrap}): in an
 * application server the driver lives in a server module the application may not see at compile or link time.
 * On a lost connection it reconnects after a pause and wakes once, since notifications may have been missed.
 */
final class PgNotificationListener implements Runnable, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PgNotificationListener.class.getName());
    /** How long one wait for notifications lasts; bounds how late {@link #close()} takes effect. */
    private static final int WAIT_MILLIS = 500;
    private static final long RECONNECT_MILLIS = 2_000;

    private final DataSource dataSource;
    private final String channel;
    private final String queue;
    private final Runnable wakeup;
    private final Thread thread;
    private volatile boolean running = true;

    PgNotificationListener(DataSource dataSource, String channel, String queue, Runnable wakeup,
                           ThreadFactory threadFactory) {
        this.dataSource = dataSource;
        this.channel = channel;
        this.queue = queue;
        this.wakeup = wakeup;
        this.thread = threadFactory.newThread(this);
        thread.setName("apiary-listen-" + queue);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        boolean reconnected = false;
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                listen(connection, reconnected);
            } catch (ClassNotFoundException | NotPostgres e) {
                // no reconnect can fix this: say so once and leave the workers to polling
                LOG.log(Level.WARNING, "No LISTEN for queue '" + queue + "': " + e.getMessage()
                        + "; idle workers find other nodes' jobs by polling");
                return;
            } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.log(Level.WARNING, "LISTEN " + channel + " for queue '" + queue + "' lost its connection; "
                        + "idle workers rely on polling until it is back", e);
                reconnected = true;
                try {
                    Thread.sleep(RECONNECT_MILLIS);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void listen(Connection connection, boolean reconnected)
            throws SQLException, ReflectiveOperationException, NotPostgres {
        ClassLoader driver = connection.getClass().getClassLoader();
        Class<?> pgConnection;
        try {
            pgConnection = Class.forName("org.postgresql.PGConnection", true, driver);
        } catch (ClassNotFoundException e) {
            throw new ClassNotFoundException("the notifications DataSource does not give PostgreSQL JDBC "
                    + "connections (org.postgresql.PGConnection not visible from " + connection.getClass().getName()
                    + ")", e);
        }
        if (!connection.isWrapperFor(pgConnection)) {
            throw new NotPostgres(connection.getClass().getName() + " is not a wrapper for a PostgreSQL connection");
        }
        Object pg = connection.unwrap(pgConnection);
        Method getNotifications = pgConnection.getMethod("getNotifications", int.class);
        Method getParameter = Class.forName("org.postgresql.PGNotification", true, driver).getMethod("getParameter");
        connection.setAutoCommit(true);
        try (Statement listen = connection.createStatement()) {
            listen.execute("LISTEN " + channel);
        }
        if (reconnected) {
            wakeup.run();
        }
        while (running) {
            Object notifications = getNotifications.invoke(pg, WAIT_MILLIS);
            int n = notifications == null ? 0 : Array.getLength(notifications);
            for (int i = 0; i < n; i++) {
                if (queue.equals(getParameter.invoke(Array.get(notifications, i)))) {
                    // one wake-up drains as much as the workers can take, however many pushes arrived
                    wakeup.run();
                    break;
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(WAIT_MILLIS * 4L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The DataSource's connections are not PostgreSQL's: listening can never work. */
    private static final class NotPostgres extends Exception {
        NotPostgres(String message) {
            super(message);
        }
    }
}
