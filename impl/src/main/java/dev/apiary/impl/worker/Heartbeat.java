package dev.apiary.impl.worker;

import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the source every {@code heartbeatInterval} that the instance is alive, so its running jobs are not taken
 * as orphans; how long it has done so without a break tells the node's {@link OrphanSweep} whether the storage can
 * judge other workers. A heartbeat that gets through after an outage resumes a poller waiting out its restart.
 */
final class Heartbeat<T> {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());

    private final WorkerInstance<T> owner;
    private final JobSource<T> source;
    private final WorkerStats stats;
    private final Duration interval;

    /** Held while a heartbeat is submitted or running, so two never overlap; taken by the schedule. */
    private final AtomicBoolean beating = new AtomicBoolean();
    /** Whether the last heartbeat failed; written by the heartbeat task, read by it and the orphan sweep. */
    private volatile boolean failing;
    /** System.nanoTime() of the first heartbeat of the unbroken run that goes on now; 0 before. Written by the heartbeat task, read by the orphan sweep. */
    private volatile long beatingSince;
    /** The schedule; set at start, cancelled by the stop. */
    private volatile ScheduledFuture<?> task;
    /** Set by the stop: the instance no longer vouches for the storage. */
    private volatile boolean stopped;
    /** System.nanoTime() when the last heartbeat began; 0 before. Written by whoever beats, read by the stop. */
    private volatile long lastBeat;

    Heartbeat(WorkerInstance<T> owner, JobSource<T> source, WorkerStats stats, Duration interval) {
        this.owner = owner;
        this.source = source;
        this.stats = stats;
        this.interval = interval;
    }

    void start() {
        task = owner.scheduleWithFixedDelay(this::request, interval);
    }

    void stop() {
        stopped = true;
        stopSchedule();
    }

    /**
     * Takes the heartbeat off the scheduler for a graceful stop: from then on the stopping thread calls
     * {@link #beatIfDue()}. A server that suspends while it stops refuses tasks on its managed scheduler (WildFly
     * logs each refusal as an ERROR, WFLYEE0110), so a stop schedules nothing there.
     */
    void stopSchedule() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }

    /** Heartbeats on the calling thread when the last heartbeat began an interval ago or more and none is under way. */
    void beatIfDue() {
        if (!stopped && System.nanoTime() - lastBeat >= interval.toNanos() && beating.compareAndSet(false, true)) {
            beat();
        }
    }

    /**
     * Whether heartbeats have got through without a break for {@code lease} up to {@code now} (System.nanoTime()):
     * then the storage has answered for that long, and a worker silent all that time is gone.
     */
    boolean unbrokenFor(Duration lease, long now) {
        long since = beatingSince;
        return !stopped && !failing && since != 0 && now - since >= lease.toNanos();
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
        lastBeat = System.nanoTime();
        try {
            // the instance's name, state and counters go along, for dashboards listing the workers of every node
            source.heartbeat(owner.snapshot());
            if (source instanceof JobStorage<T> storage) {
                owner.telemetry().refreshBacklog(owner.queue(), storage::counts);
            }
            long now = System.nanoTime();
            if (beatingSince == 0 || failing) {
                beatingSince = now;
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
