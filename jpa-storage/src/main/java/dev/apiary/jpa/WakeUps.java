package dev.apiary.jpa;

import javax.sql.DataSource;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The wake-up listeners of the job storage of one queue: called after every push, retry and release through the
 * storage and, on PostgreSQL with a notification data source, after every push on any node (LISTEN on one
 * connection shared by the storages of that data source, opened with the first listener).
 */
final class WakeUps {

    /** The storage's logger: operators configure one name for the whole storage. */
    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());

    private final String queue;
    private final SqlDialect dialect;
    private final DataSource notificationSource;
    private final ThreadFactory threadFactory;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Told when jobs may have become final: waits for them check again. */
    private final List<Runnable> finishListeners = new CopyOnWriteArrayList<>();
    /** The LISTEN subscription once a listener was added; guarded by {@code this}. */
    private AutoCloseable notifications;
    /** The LISTEN subscription for completions once a completion listener was added; guarded by {@code this}. */
    private AutoCloseable finishNotifications;

    /**
     * Every storage's wake-ups in this process, weakly held: a flow step released by one queue's settle wakes the
     * workers of the step's queue on this node at once (other nodes learn of it by NOTIFY on PostgreSQL, or at their
     * next poll).
     */
    private static final Set<WakeUps> ALL = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    WakeUps(String queue, SqlDialect dialect, DataSource notificationSource, ThreadFactory threadFactory) {
        this.queue = queue;
        this.dialect = dialect;
        this.notificationSource = notificationSource;
        this.threadFactory = threadFactory;
        ALL.add(this);
    }

    /** Wakes the workers of {@code queue} on this node, whichever storage they poll. */
    static void wakeUpQueue(String queue) {
        List<WakeUps> matching;
        synchronized (ALL) {
            matching = ALL.stream().filter(w -> w.queue.equals(queue)).toList();
        }
        matching.forEach(WakeUps::wakeUp);
    }

    AutoCloseable add(Runnable wakeup) {
        listeners.add(wakeup);
        startListening();
        return () -> listeners.remove(wakeup);
    }

    private synchronized void startListening() {
        if (notifications == null && dialect == SqlDialect.POSTGRESQL && notificationSource != null) {
            notifications = PgNotificationListener.subscribe(notificationSource, queue, this::wakeUp, threadFactory);
        }
    }

    /** Calls {@code listener} after jobs became final through this storage and, on PostgreSQL, on any node. */
    AutoCloseable addFinished(Runnable listener) {
        finishListeners.add(listener);
        synchronized (this) {
            if (finishNotifications == null && dialect == SqlDialect.POSTGRESQL && notificationSource != null) {
                finishNotifications = PgNotificationListener.subscribe(notificationSource, JobTable.FINISHED_CHANNEL,
                        queue, this::finished, threadFactory);
            }
        }
        return () -> finishListeners.remove(listener);
    }

    /** Jobs of the queue may have become final. */
    void finished() {
        for (Runnable listener : finishListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A completion listener of queue '" + queue + "' failed", e);
            }
        }
    }

    void wakeUp() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A wake-up listener of queue '" + queue + "' failed", e);
            }
        }
    }

    /** Stops listening for other nodes' pushes. */
    synchronized void close() {
        if (finishNotifications != null) {
            try {
                finishNotifications.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "Stopping the completion notifications of queue '" + queue + "' failed", e);
            }
            finishNotifications = null;
        }
        if (notifications != null) {
            try {
                notifications.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "Stopping the notifications of queue '" + queue + "' failed", e);
            }
            notifications = null;
        }
    }
}
