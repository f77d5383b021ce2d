package dev.apiary.impl.worker;

import dev.apiary.Job;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Decides when to claim and claims: a poll is a short task on the executor, started by the schedule (idle polling,
 * backing off from {@code pollInterval} to {@code maxPollInterval}), by the source's wake-up (a push) or inline by
 * a runner whose buffer runs low. At most one poll runs at a time; requests that arrive while one runs fold into
 * one more poll. What a claim brings goes into the claim buffer, and idle runners are started for it.
 *
 * <p>A poll that could claim nothing (no free slot, or heartbeats that have not got through for too long) ends
 * where it was requested, usually on the scheduler, and never goes to the executor: on a pool full of long jobs it
 * would wait there behind them and hold the poll, and the liveness check would see a poller that does not tick.
 */
final class Poller<T> {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());

    /** What the poller tells the instance, and asks it. */
    interface Callbacks {
        /** Whether polling is off: the instance stops, or waits for a restart. */
        boolean halted();

        /**
         * A claim got through with {@code jobs} jobs, before they are buffered for runners.
         *
         * @param engaged whether the instance held no job before (it turns engaged)
         */
        void claimed(int jobs, boolean engaged);

        /** Jobs wait in the buffer: idle runners should start. */
        void dispatch();

        /** The claim failed: polling stops until the instance is resumed. */
        void claimFailed(Throwable error);

        /** The source will yield nothing more and nothing is held. */
        void sourceEnded();
    }

    /** What one claim did. */
    sealed interface Claim {
        /** The source answered with {@code jobs} jobs (maybe none). */
        record Claimed(int jobs) implements Claim {
        }

        /** Nothing was asked of the source: no slot was free, or heartbeats do not get through. */
        record Skipped() implements Claim {
        }

        /** The source failed; the instance now waits for a restart. */
        record Failed() implements Claim {
        }
    }

    private final StageContext<T> context;
    private final ClaimBuffer<T> buffer;
    private final Callbacks callbacks;
    /** How long the instance's heartbeats have not got through, when that is too long to claim; from the heartbeat. */
    private final Supplier<Optional<Duration>> heartbeatOverdue;

    /** Held by the one poll or inline claim under way (or queued); taken by requestPoll and claimInline. */
    private final AtomicBoolean polling = new AtomicBoolean();
    /** True while a claim runs, until what it brought is buffered; written by the poll holder, read by runners. */
    private volatile boolean claiming;
    /** A poll was requested while one ran; set by requestPoll, cleared and read by the poll holder. */
    private volatile boolean pollAgain;
    /** Whether the last claim filled every free slot (or a wake-up came); written by the poll holder and wake-ups, read by runners. */
    private volatile boolean mayHaveMore = true;
    /** The idle poll delay, backing off while claims come back empty; written by the poll holder and resume. */
    private volatile Duration idleDelay;
    /** The next scheduled poll; guarded by this. */
    private ScheduledFuture<?> nextPoll;
    /** Whether claims are held back for want of a heartbeat, so that it is logged once; written by the poll holder. */
    private volatile boolean heldBack;

    Poller(StageContext<T> context, ClaimBuffer<T> buffer, Supplier<Optional<Duration>> heartbeatOverdue,
           Callbacks callbacks) {
        this.context = context;
        this.buffer = buffer;
        this.heartbeatOverdue = heartbeatOverdue;
        this.callbacks = callbacks;
        this.idleDelay = context.definition().pollInterval();
    }

    boolean mayHaveMore() {
        return mayHaveMore;
    }

    boolean claiming() {
        return claiming;
    }

    /** Whether a poll or claim is under way or queued. */
    boolean busy() {
        return polling.get();
    }

    /** New work may be there: poll now rather than at the next tick. */
    void wake() {
        mayHaveMore = true;
        requestPoll();
    }

    /** Polling starts again after a restart, from the shortest delay. */
    void restart() {
        idleDelay = pollInterval();
        requestPoll();
    }

    void requestPoll() {
        while (!callbacks.halted()) {
            if (polling.compareAndSet(false, true)) {
                if (!mayClaim()) {
                    skipPoll();
                } else if (!context.threads().submit(this::poll)) {
                    polling.set(false);
                    // refused (a stopping server, a full executor): the chain of polls must not end here
                    scheduleNextPoll(maxPollInterval());
                }
                return;
            }
            pollAgain = true;
            // The holder releases polling and then reads pollAgain; we wrote pollAgain and now read polling. If
            // the holder let go before seeing our request, we see polling free and take it ourselves: otherwise a
            // request (the scheduled one, say) could fold into a claim that has already ended, and polling stop.
            if (polling.get()) {
                return;
            }
        }
    }

    /**
     * A poll that would claim nothing, done on the requesting thread while holding {@link #polling}: it ticks and
     * schedules the next poll. A runner that freed a slot meanwhile found the poll held and left the claim to it.
     */
    private void skipPoll() {
        pollAgain = false;
        context.stats().lastTick = context.threads().now();
        polling.set(false);
        if (mayClaim()) {
            requestPoll();
        } else {
            scheduleNextPoll(pollInterval());
        }
    }

    /** Whether a claim could bring anything now: a slot is free and the instance's heartbeats get through. */
    private boolean mayClaim() {
        return free() > 0 && heartbeatCurrent();
    }

    /** Whether heartbeats get through, logging once when claims stop for want of them and once when they resume. */
    private boolean heartbeatCurrent() {
        Optional<Duration> overdue = heartbeatOverdue.get();
        if (overdue.isPresent()) {
            if (!heldBack) {
                heldBack = true;
                LOG.warning(() -> "Worker " + context.instanceId() + " claims nothing from queue '" + context.queue()
                        + "': no heartbeat has got through for " + overdue.get().toMillis() + " ms, and after its"
                        + " lease of " + context.definition().lease().toMillis() + " ms other nodes would take its"
                        + " jobs; it claims again once a heartbeat gets through");
            }
            return false;
        }
        if (heldBack) {
            heldBack = false;
            LOG.info(() -> "Worker " + context.instanceId() + " claims from queue '" + context.queue()
                    + "' again: its heartbeats get through");
        }
        return true;
    }

    /** A scheduled or woken poll; runs while holding {@link #polling}. */
    private void poll() {
        pollAgain = false;
        context.stats().lastTick = context.threads().now();
        if (callbacks.halted()) {
            polling.set(false);
            return;
        }
        Claim claim = claimHoldingPoll();
        if (claim instanceof Claim.Failed) {
            return;
        }
        int claimed = claim instanceof Claim.Claimed c ? c.jobs() : -1;
        if (claimed >= 0) {
            idleDelay = claimed == 0 ? min(idleDelay.multipliedBy(2), maxPollInterval()) : pollInterval();
        }
        if (claimed == 0 && buffer.held() == 0 && context.source().isExhausted()) {
            callbacks.sourceEnded();
            return;
        }
        if (pollAgain) {
            requestPoll();
        } else {
            scheduleNextPoll(claim instanceof Claim.Skipped ? pollInterval() : idleDelay);
        }
    }

    /** A runner claims more itself when the buffer runs low, keeping its thread busy instead of handing off. */
    void claimInline() {
        if (callbacks.halted() || !polling.compareAndSet(false, true)) {
            return;
        }
        if (!(claimHoldingPoll() instanceof Claim.Failed) && pollAgain) {
            // a scheduled or woken poll found us polling and folded into ours: run it, or the poll chain ends
            requestPoll();
        }
    }

    /** Claims, releases {@link #polling} (which the caller holds) and starts runners for what came in. */
    private Claim claimHoldingPoll() {
        Claim claim;
        try {
            context.stats().lastTick = context.threads().now();
            claim = claim();
        } catch (Throwable t) {
            polling.set(false);
            callbacks.claimFailed(t);
            return new Claim.Failed();
        }
        polling.set(false);
        if (!buffer.isEmpty()) {
            callbacks.dispatch();
        }
        return claim;
    }

    /** Claims up to the free slots into the buffer; the caller holds {@link #polling}. */
    private Claim claim() {
        int free = free();
        if (free <= 0 || !heartbeatCurrent()) {
            return new Claim.Skipped();
        }
        List<Job<T>> jobs;
        claiming = true;
        try {
            long start = context.threads().nanoTime();
            jobs = context.source().claim(context.instanceId(), free);
            long end = context.threads().nanoTime();
            buffer.adapt(end - start, end);
            mayHaveMore = jobs.size() == free;
            boolean engaged = !jobs.isEmpty() && buffer.hold(jobs.size());
            callbacks.claimed(jobs.size(), engaged);
            if (!jobs.isEmpty()) {
                buffer.add(jobs);
            }
        } finally {
            // after the jobs are buffered: runners waiting for this claim wake to find them, not an empty buffer
            claiming = false;
            buffer.claimEnded();
        }
        return new Claim.Claimed(jobs.size());
    }

    /**
     * The jobs a claim may take: up to the buffer's room, but only for idle runners while a cap on running jobs
     * shared across nodes holds claims back, where a prefetched job would hold a slot while it waits here.
     */
    private int free() {
        return context.source().runningCapReached() ? buffer.idleRunners() : buffer.free();
    }

    private synchronized void scheduleNextPoll(Duration delay) {
        if (nextPoll != null) {
            nextPoll.cancel(false);
        }
        if (!callbacks.halted()) {
            nextPoll = context.threads().schedule(this::requestPoll, delay);
        }
    }

    synchronized void cancelNextPoll() {
        if (nextPoll != null) {
            nextPoll.cancel(false);
            nextPoll = null;
        }
    }

    private Duration pollInterval() {
        return context.definition().pollInterval();
    }

    private Duration maxPollInterval() {
        return context.definition().maxPollInterval();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
