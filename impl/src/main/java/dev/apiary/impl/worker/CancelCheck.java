package dev.apiary.impl.worker;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Asks the source which of the instance's running jobs were cancelled, and has their runners interrupt them. A check
 * is requested at each wake-up (a cancel on any node wakes the queue's workers, on PostgreSQL through its
 * notifications) and after each heartbeat that got through: the fallback when a wake-up was missed or the storage
 * sends none across nodes.
 *
 * <p>Checks run on the monitor's scheduler, one at a time, at most one per {@link #MIN_GAP}, and only while the
 * instance runs jobs: a queue woken by a stream of pushes costs one small query per gap, not one per push.
 */
final class CancelCheck<T> {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());
    /** The shortest time between two checks of one instance. */
    static final Duration MIN_GAP = Duration.ofMillis(200);

    /** What the check asks the instance, and tells it. */
    interface Callbacks {
        /** The ids of the jobs the instance's runners run now. */
        List<String> runningJobs();

        /** Interrupts the running jobs of {@code ids}. */
        void cancel(Set<String> ids);
    }

    private final StageContext<T> context;
    private final Callbacks callbacks;
    /** Set while a check is scheduled and has not begun; taken by a request, cleared by the check as it begins. */
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** The engine's monotonic clock when the last check began; written by the check, read by requests. */
    private volatile long lastCheck;
    private volatile boolean failing;

    CancelCheck(StageContext<T> context, Callbacks callbacks) {
        this.context = context;
        this.callbacks = callbacks;
        this.lastCheck = context.threads().nanoTime() - MIN_GAP.toNanos();
    }

    /** Schedules a check unless one is scheduled already or no job runs. */
    void request() {
        if (callbacks.runningJobs().isEmpty() || !scheduled.compareAndSet(false, true)) {
            return;
        }
        long wait = lastCheck + MIN_GAP.toNanos() - context.threads().nanoTime();
        try {
            context.threads().schedule(this::check, Duration.ofNanos(Math.max(0, wait)));
        } catch (RuntimeException e) {
            // a scheduler that refuses (a stopping server) leaves it to the next heartbeat
            scheduled.set(false);
            LOG.log(Level.FINE, "Worker " + context.instanceId() + " could not schedule a check for cancels", e);
        }
    }

    /** Checks now, on the calling thread. */
    void check() {
        // cleared before the query: a cancel stored while it runs requests the next check
        scheduled.set(false);
        List<String> running = callbacks.runningJobs();
        if (running.isEmpty()) {
            return;
        }
        lastCheck = context.threads().nanoTime();
        try {
            Set<String> cancelled = context.source().cancelled(context.instanceId(), running);
            failing = false;
            if (!cancelled.isEmpty()) {
                LOG.info(() -> "Worker " + context.instanceId() + " interrupts the cancelled jobs " + cancelled
                        + " of queue '" + context.queue() + "'");
                callbacks.cancel(cancelled);
            }
        } catch (RuntimeException e) {
            // the next wake-up or heartbeat asks again; logged once per failure streak
            if (!failing) {
                failing = true;
                LOG.log(Level.WARNING, "Worker " + context.instanceId() + " cannot ask queue '" + context.queue()
                        + "' for cancelled jobs; it asks again at its next heartbeat", e);
            }
        }
    }
}
