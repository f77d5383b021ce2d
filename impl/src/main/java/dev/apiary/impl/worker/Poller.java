package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.spi.JobSource;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
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

    private static final int CRASHED = Integer.MIN_VALUE;
    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());

    private final WorkerInstance<T> owner;
    private final JobSource<T> source;
    private final ClaimBuffer<T> buffer;
    private final WorkerStats stats;
    private final Duration pollInterval;
    private final Duration maxPollInterval;
    private List<Runner<T>> runners = List.of();

    /** Held by the one poll or inline claim under way (or queued); taken by requestPoll and claimInline. */
    private final AtomicBoolean polling = new AtomicBoolean();
    /** True only while a thread is inside the source's claim; written by the poll holder, read by runners. */
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

    Poller(WorkerInstance<T> owner, JobSource<T> source, ClaimBuffer<T> buffer, WorkerStats stats,
           Duration pollInterval, Duration maxPollInterval) {
        this.owner = owner;
        this.source = source;
        this.buffer = buffer;
        this.stats = stats;
        this.pollInterval = pollInterval;
        this.maxPollInterval = maxPollInterval;
        this.idleDelay = pollInterval;
    }

    /** The runners to start when jobs come in; set once, before the first poll. */
    void dispatchTo(List<Runner<T>> runners) {
        this.runners = runners;
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
        idleDelay = pollInterval;
        requestPoll();
    }

    void requestPoll() {
        while (!owner.halted()) {
            if (polling.compareAndSet(false, true)) {
                if (!mayClaim()) {
                    skipPoll();
                } else if (!owner.submit(this::poll)) {
                    polling.set(false);
                    // refused (a stopping server, a full executor): the chain of polls must not end here
                    scheduleNextPoll(maxPollInterval);
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
        stats.lastTick = owner.now();
        polling.set(false);
        if (mayClaim()) {
            requestPoll();
        } else {
            scheduleNextPoll(pollInterval);
        }
    }

    /** Whether a claim could bring anything now: a slot is free and the instance's heartbeats get through. */
    private boolean mayClaim() {
        return buffer.free() > 0 && heartbeatCurrent();
    }

    /** Whether heartbeats get through, logging once when claims stop for want of them and once when they resume. */
    private boolean heartbeatCurrent() {
        Optional<Duration> overdue = owner.heartbeatOverdue();
        if (overdue.isPresent()) {
            if (!heldBack) {
                heldBack = true;
                LOG.warning(() -> "Worker " + owner.instanceId() + " claims nothing from queue '" + owner.queue()
                        + "': no heartbeat has got through for " + overdue.get().toMillis() + " ms, and after its"
                        + " lease of " + owner.definition().lease().toMillis() + " ms other nodes would take its"
                        + " jobs; it claims again once a heartbeat gets through");
            }
            return false;
        }
        if (heldBack) {
            heldBack = false;
            LOG.info(() -> "Worker " + owner.instanceId() + " claims from queue '" + owner.queue()
                    + "' again: its heartbeats get through");
        }
        return true;
    }

    /** A scheduled or woken poll; runs while holding {@link #polling}. */
    private void poll() {
        pollAgain = false;
        stats.lastTick = owner.now();
        if (owner.halted()) {
            polling.set(false);
            return;
        }
        int claimed = claimHoldingPoll();
        if (claimed == CRASHED) {
            return;
        }
        if (claimed >= 0) {
            idleDelay = claimed == 0 ? min(idleDelay.multipliedBy(2), maxPollInterval) : pollInterval;
        }
        if (claimed == 0 && buffer.held() == 0 && source.isExhausted()) {
            owner.sourceExhausted();
            return;
        }
        if (pollAgain) {
            requestPoll();
        } else {
            scheduleNextPoll(claimed < 0 ? pollInterval : idleDelay);
        }
    }

    /** A runner claims more itself when the buffer runs low, keeping its thread busy instead of handing off. */
    void claimInline() {
        if (owner.halted() || !polling.compareAndSet(false, true)) {
            return;
        }
        if (claimHoldingPoll() != CRASHED && pollAgain) {
            // a scheduled or woken poll found us polling and folded into ours: run it, or the poll chain ends
            requestPoll();
        }
    }

    /**
     * Claims, releases {@link #polling} (which the caller holds) and starts runners for what came in.
     *
     * @return as {@link #claim()}, or {@link #CRASHED} when the claim failed and the loop now waits for a restart
     */
    private int claimHoldingPoll() {
        int claimed;
        try {
            stats.lastTick = owner.now();
            claimed = claim();
        } catch (Throwable t) {
            polling.set(false);
            owner.crash(t);
            return CRASHED;
        }
        polling.set(false);
        dispatch();
        return claimed;
    }

    /**
     * Claims up to the free slots into the buffer; the caller holds {@link #polling}.
     *
     * @return how many jobs were claimed, or -1 when no slot was free or heartbeats do not get through
     */
    private int claim() {
        int free = buffer.free();
        if (free <= 0 || !heartbeatCurrent()) {
            return -1;
        }
        List<Job<T>> jobs;
        claiming = true;
        long start = System.nanoTime();
        try {
            jobs = source.claim(owner.instanceId(), free);
        } finally {
            claiming = false;
        }
        long end = System.nanoTime();
        buffer.adapt(end - start, end);
        owner.claimSucceeded();
        mayHaveMore = jobs.size() == free;
        if (!jobs.isEmpty()) {
            if (buffer.hold(jobs.size())) {
                owner.engaged();
            }
            buffer.add(jobs);
        }
        return jobs.size();
    }

    /** Starts an idle runner for each buffered job, up to the concurrency. */
    private void dispatch() {
        for (Runner<T> runner : runners) {
            if (buffer.isEmpty()) {
                return;
            }
            runner.activate();
        }
    }

    private synchronized void scheduleNextPoll(Duration delay) {
        if (nextPoll != null) {
            nextPoll.cancel(false);
        }
        if (!owner.halted()) {
            nextPoll = owner.schedule(this::requestPoll, delay);
        }
    }

    synchronized void cancelNextPoll() {
        if (nextPoll != null) {
            nextPoll.cancel(false);
            nextPoll = null;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
