package dev.apiary.impl.worker;

import dev.apiary.spi.JobStorage;
import dev.apiary.worker.WorkerSnapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the source every {@code heartbeatInterval} that the instance is alive, so its running jobs are not taken
 * as orphans; how long it has done so without a break tells the node's {@link OrphanSweep} whether the storage can
 * judge other workers. A heartbeat that gets through after an outage resumes a poller waiting out its restart.
 *
 * <p>Heartbeats run on the monitor's scheduler (through the source's {@link HeartbeatLane}), never on the job
 * executor: on a pool full of jobs longer than the lease a heartbeat queued there would wait for them, and another
 * node would take the running jobs as orphans and run them a second time. When heartbeats still do not get through
 * (a slow or hung database), the instance stops claiming once the last one that did is {@link #claimWindow} old,
 * before its lease could lapse, and claims again at the next one that gets through. The first heartbeat after the
 * start is given a whole lease (a job claimed before it is covered by its claim time that long): it is often slow
 * for reasons that do not last, a connection pool and a persistence provider warming up.
 */
final class Heartbeat<T> {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());

    /** What the heartbeat asks the instance, and tells it. */
    interface Callbacks {
        /** The instance's name, state and counters, sent along with each heartbeat. */
        WorkerSnapshot snapshot();

        /** A heartbeat got through after some failed: the storage answers again. */
        void heartbeatsBack();

        /** A heartbeat got through, on the thread that sent it. */
        default void beaten() {
        }
    }

    private final StageContext<T> context;
    private final Callbacks callbacks;
    private final Duration interval;
    /** Claims stop when the last heartbeat that got through is this old; see {@link #claimWindow}. */
    private final Duration claimWindow;
    private final Duration lease;
    private final HeartbeatLane lane;

    /** Held while a heartbeat waits in the lane or runs, so two never overlap; taken by the schedule. */
    private final AtomicBoolean beating = new AtomicBoolean();
    /** Whether the last heartbeat failed; written by the heartbeat task, read by it and the orphan sweep. */
    private volatile boolean failing;
    /**
     * The engine's monotonic clock at the first heartbeat of the unbroken run that goes on now; 0 before. Written by
     * the heartbeat task, read by the orphan sweep.
     */
    private volatile long beatingSince;
    /** The schedule; set at start, cancelled by the stop. */
    private volatile ScheduledFuture<?> task;
    /** Set by the stop: the instance no longer vouches for the storage. */
    private volatile boolean stopped;
    /** The engine's monotonic clock when the last heartbeat began; 0 before. Written by whoever beats, read by the stop. */
    private volatile long lastBeat;
    /** The engine's monotonic clock when the last heartbeat that got through began; 0 before. Written by whoever beats. */
    private volatile long lastThroughNanos;
    /** When the instance started (the engine's wall clock); null before. Written by the start. */
    private volatile Instant startedAt;
    /**
     * When the last heartbeat that got through began (the engine's wall clock); null before the first. Written by
     * whoever beats, read by the poller and the health check.
     */
    private volatile Instant lastThrough;

    Heartbeat(StageContext<T> context, HeartbeatLane lane, Callbacks callbacks) {
        this.context = context;
        this.callbacks = callbacks;
        this.interval = context.definition().heartbeatInterval();
        this.lease = context.definition().lease();
        this.claimWindow = claimWindow(interval, lease);
        this.lane = lane;
    }

    /**
     * How old the last heartbeat that got through may be while the instance still claims: halfway between the
     * heartbeat interval (a heartbeat that is merely due is no reason to stop) and the lease (past which another
     * node may take the instance's jobs). Zero when the lease is off: nothing is ever taken back, so claims never
     * stop. With the defaults (10 s, 60 s) claims stop after 35 s without a heartbeat.
     */
    static Duration claimWindow(Duration interval, Duration lease) {
        return lease.isZero() ? Duration.ZERO : interval.plus(lease.minus(interval).dividedBy(2));
    }

    void start() {
        startedAt = context.threads().now();
        task = context.threads().scheduleWithFixedDelay(this::request, interval);
    }

    /**
     * How long ago the last heartbeat got through (or the instance started, before the first did), when that is
     * longer than the claim window (a lease before the first) so that the instance must not claim; null while
     * heartbeats get through, before the start and when the lease is off.
     */
    Duration overdue() {
        Instant through = lastThrough;
        Instant since = through != null ? through : startedAt;
        if (claimWindow.isZero() || since == null || stopped) {
            return null;
        }
        Duration age = Duration.between(since, context.threads().now());
        return age.compareTo(through != null ? claimWindow : lease) >= 0 ? age : null;
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

    /**
     * After a graceful stop, tells the source once, on the calling thread, that the instance stopped (its snapshot
     * says {@code STOPPED}), so that dashboards show it stopped at once rather than in its last state until its row
     * is purged. A failure is only logged: the row then shows the instance lost after the lease.
     */
    void farewell() {
        try {
            context.source().heartbeat(callbacks.snapshot(), lease);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Worker " + context.instanceId() + " could not report its stop to queue '"
                    + context.queue() + "'", e);
        }
    }

    /** Heartbeats on the calling thread when the last heartbeat began an interval ago or more and none is under way. */
    void beatIfDue() {
        if (!stopped && context.threads().nanoTime() - lastBeat >= interval.toNanos()
                && beating.compareAndSet(false, true)) {
            beat();
        }
    }

    /**
     * Whether heartbeats have got through without a break for {@code lease} up to {@code now} (the engine's monotonic
     * clock): then the storage has answered for that long, and a worker silent all that time is gone.
     */
    boolean unbrokenFor(Duration lease, long now) {
        long since = beatingSince;
        return !stopped && !failing && since != 0 && now - since >= lease.toNanos();
    }

    /**
     * Starts a heartbeat in the source's lane unless the last one is still under way (it may wait in the lane behind
     * another instance's), so that two never overlap: two first heartbeats of one instance would both insert its row.
     */
    private void request() {
        if (beating.compareAndSet(false, true)) {
            lane.run(this::beat);
        }
    }

    private void beat() {
        long beganNanos = context.threads().nanoTime();
        lastBeat = beganNanos;
        Instant began = context.threads().now();
        try {
            // the instance's name, state and counters go along, for dashboards listing the workers of every node
            context.source().heartbeat(callbacks.snapshot(), lease);
            if (context.source() instanceof JobStorage<T> storage) {
                context.telemetry().refreshBacklog(context.queue(), storage::counts);
            }
            lastThrough = began;
            long now = context.threads().nanoTime();
            long previous = lastThroughNanos;
            lastThroughNanos = beganNanos;
            // a heartbeat that got through only after waiting out a hung database wrote the time it began, long ago:
            // the run of heartbeats is broken as if it had failed, so this node judges no one (its own jobs included)
            // until heartbeats have got through on time for a whole lease again
            boolean late = previous != 0 && !claimWindow.isZero() && now - previous > claimWindow.toNanos();
            if (beatingSince == 0 || failing || late) {
                beatingSince = now;
            }
            if (failing) {
                failing = false;
                LOG.info(() -> "Worker " + context.instanceId() + " heartbeats to queue '" + context.queue() + "' again");
                // the storage answers again: a poller waiting out its restart backoff need not wait any longer
                callbacks.heartbeatsBack();
            }
            callbacks.beaten();
        } catch (RuntimeException | Error e) {
            // an Error too: on the scheduler, a heartbeat that throws would end the schedule for good
            context.stats().lastError = "Heartbeat failed: " + e;
            if (!failing) {
                failing = true;
                LOG.log(Level.WARNING, "Worker " + context.instanceId() + " cannot heartbeat to queue '"
                        + context.queue() + "'; it keeps trying every " + interval, e);
            }
        } finally {
            beating.set(false);
        }
    }
}
