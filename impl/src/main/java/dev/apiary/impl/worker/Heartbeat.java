package dev.apiary.impl.worker;

import dev.apiary.spi.JobSource;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the source every {@code heartbeatInterval} that the instance is alive, so its running jobs are safe from
 * orphan recovery; once it has heartbeat without a break for a whole lease, it also recovers the orphans of
 * workers that stopped. A heartbeat that gets through after an outage resumes a poller waiting out its restart.
 */
final class Heartbeat<T> {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());

    private final WorkerInstance<T> owner;
    private final JobSource<T> source;
    private final WorkerStats stats;
    private final Duration interval;
    private final Duration lease;

    /** Held while a heartbeat is submitted or running, so two never overlap; taken by the schedule. */
    private final AtomicBoolean beating = new AtomicBoolean();
    /** Whether the last heartbeat failed; written and read by the heartbeat task. */
    private volatile boolean failing;
    /** System.nanoTime() of the first heartbeat of the unbroken run that goes on now; 0 before. Heartbeat task only. */
    private volatile long beatingSince;
    /** The schedule; set at start, cancelled by the stop. */
    private volatile ScheduledFuture<?> task;

    Heartbeat(WorkerInstance<T> owner, JobSource<T> source, WorkerStats stats, Duration interval, Duration lease) {
        this.owner = owner;
        this.source = source;
        this.stats = stats;
        this.interval = interval;
        this.lease = lease;
    }

    void start() {
        task = owner.scheduleWithFixedDelay(this::request, interval);
    }

    void stop() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }

    /**
     * Starts a heartbeat unless the last one is still under way: the schedule only hands the heartbeat to the
     * executor, so a slow one (a busy database, start-up) would otherwise overlap the next, and two first heartbeats
     * of one instance would both insert its row.
     */
    private void request() {
        if (beating.compareAndSet(false, true) && !owner.submit(this::beat)) {
            beating.set(false);
        }
    }

    private void beat() {
        try {
            source.heartbeat(owner.instanceId());
            long now = System.nanoTime();
            if (beatingSince == 0 || failing) {
                beatingSince = now;
            }
            // Judge other workers only after heartbeating without a break for a whole lease: then the storage has
            // answered for that long and a worker silent all that time is gone. Right after this instance starts or
            // gets through again after an outage, every other worker looks silent too (it could not heartbeat
            // either), and recovering its jobs would run them twice though their outcomes are about to be settled.
            if (!lease.isZero() && now - beatingSince >= lease.toNanos()) {
                int recovered = source.reenqueueOrphans(lease);
                if (recovered > 0) {
                    LOG.info(() -> "Worker " + owner.instanceId() + " put " + recovered + " orphaned jobs of queue '"
                            + owner.queue() + "' back to pending (their workers missed the lease of " + lease + ")");
                }
            }
            if (failing) {
                failing = false;
                LOG.info(() -> "Worker " + owner.instanceId() + " heartbeats to queue '" + owner.queue() + "' again");
                // the storage answers again: a poller waiting out its restart backoff need not wait any longer
                owner.resume();
            }
        } catch (RuntimeException e) {
            stats.lastError = "Heartbeat failed: " + e;
            if (!failing) {
                failing = true;
                LOG.log(Level.WARNING, "Worker " + owner.instanceId() + " cannot heartbeat to queue '"
                        + owner.queue() + "'; it keeps trying every " + interval, e);
            }
        } finally {
            beating.set(false);
        }
    }
}
