package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.impl.layer.LayerChain;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running instance of a worker: the poll → claim → run → settle loop.
 *
 * <p>No thread is owned by the loop. A poll is a short task on the executor, started by the scheduler (idle
 * polling, backing off from {@code pollInterval} to {@code maxPollInterval}) or by the source's wake-up (a push). At most one poll runs at a time; requests that arrive while
 * one runs fold into one more poll. Outcomes are queued and written back in batches by one settling task at a time,
 * so a busy worker settles many jobs per storage round trip.
 *
 * <p>Claimed jobs wait in a buffer for one of {@code concurrency} runners; a runner runs jobs back to back and
 * claims more itself when the buffer runs dry, so a busy worker does not hand every job to a new task.
 * A running job belongs to whoever clears its runner's {@code current}: the runner (which settles it) or
 * {@link #finishStop} (which hands it back), never both.
 */
public final class WorkerInstance<T> {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());
    private static final int SETTLE_BATCH = 512;
    private static final int SETTLE_GATHER = 64;
    private static final int MAX_CHUNK = 32;
    private static final int CRASHED = Integer.MIN_VALUE;
    private static final Duration SETTLE_RETRY = Duration.ofSeconds(1);

    /** What the instance reports to the monitor. */
    public interface Supervisor {
        void publish(WorkerEvent event);

        void crashed(WorkerInstance<?> instance, Throwable error);

        /** Whether anyone listens to events; when not, none are built. */
        boolean listening();

        /** Where attempts report their spans and metrics. */
        default Telemetry telemetry() {
            return Telemetry.NONE;
        }

        /**
         * What the source calls when new jobs may be there. A source calls it on the pusher's thread (after the
         * pusher's commit), so a container monitor gives it the application's own context: see ContainerExecutors.
         */
        default Runnable wakeUp(Runnable wake) {
            return wake;
        }
    }

    private final WorkerDefinition<T> def;
    private final String instanceId;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final Supervisor supervisor;
    private final LayerChain<T> chain;
    private final JobSource<T> source;
    private final Telemetry telemetry;
    /** Kept apart from the source: a snapshot must work after a container has destroyed the source's bean. */
    private final String queue;

    private final AtomicReference<WorkerState> state = new AtomicReference<>(WorkerState.PENDING);
    /** Claimed jobs not yet taken by a runner; guarded by itself. */
    private final ArrayDeque<Job<T>> buffer = new ArrayDeque<>();
    private final AtomicInteger buffered = new AtomicInteger();
    private final List<Runner> runners;
    /** Below this many buffered jobs a runner claims more ahead of need. */
    private final int lowWater;
    private final AtomicInteger inflight = new AtomicInteger();
    private final AtomicBoolean polling = new AtomicBoolean();
    /** True only while a thread is inside the storage's claim (polling is also true while a poll task is queued). */
    private volatile boolean claiming;
    private final AtomicBoolean flushing = new AtomicBoolean();
    private final AtomicBoolean heartbeating = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Settlement> settlements = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedOutcomes = new AtomicInteger();
    private final AtomicInteger consecutiveCrashes = new AtomicInteger();
    private final AtomicInteger restarts = new AtomicInteger();
    private final LongAdder done = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder failed = new LongAdder();

    private volatile boolean pollAgain;
    private volatile boolean mayHaveMore = true;
    private volatile boolean stopping;
    private volatile boolean suspended;
    private volatile Instant lastTick;
    private volatile String lastError;
    private volatile boolean heartbeatFailing;
    private volatile boolean settleFailing;
    /** System.nanoTime() of the first of the heartbeats that have succeeded since the last failure; 0 before. */
    private volatile long heartbeatingSince;
    private Duration idleDelay;
    private ScheduledFuture<?> nextPoll;
    private ScheduledFuture<?> heartbeatTask;
    private AutoCloseable subscription;

    public WorkerInstance(WorkerDefinition<T> def, int index, Executor executor, ScheduledExecutorService scheduler,
                          Supervisor supervisor) {
        this.def = def;
        this.source = def.source();
        this.queue = source.queue();
        // unique across nodes and restarts: settlements and orphan recovery key on it
        this.instanceId = def.name() + "-" + index + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        this.executor = def.executor() != null ? def.executor() : executor;
        this.scheduler = scheduler;
        this.supervisor = supervisor;
        this.telemetry = supervisor.telemetry();
        this.chain = new LayerChain<>(def.layers(), def.handler());
        this.idleDelay = def.pollInterval();
        List<Runner> slots = new ArrayList<>(def.concurrency());
        for (int i = 0; i < def.concurrency(); i++) {
            slots.add(new Runner());
        }
        this.runners = List.copyOf(slots);
        this.lowWater = Math.max(1, (def.concurrency() + def.prefetch()) / 2);
    }

    public String instanceId() {
        return instanceId;
    }

    public WorkerDefinition<T> definition() {
        return def;
    }

    public WorkerState state() {
        return state.get();
    }

    /** Consecutive loop crashes since the last successful poll. */
    public int consecutiveCrashes() {
        return consecutiveCrashes.get();
    }

    public void start() {
        state.set(WorkerState.IDLE);
        publish(WorkerEvent.Kind.STARTED, null, null, null);
        subscription = source.onAvailable(supervisor.wakeUp(this::wake));
        heartbeatTask = scheduler.scheduleWithFixedDelay(this::requestHeartbeat, 0,
                def.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        requestPoll();
    }

    /** New work may be there: poll now rather than at the next tick. */
    void wake() {
        mayHaveMore = true;
        requestPoll();
    }

    private void requestPoll() {
        if (stopping || suspended) {
            return;
        }
        if (polling.compareAndSet(false, true)) {
            if (!submit(this::poll)) {
                polling.set(false);
            }
        } else {
            pollAgain = true;
        }
    }

    /** A scheduled or woken poll; runs while holding {@link #polling}. */
    private void poll() {
        pollAgain = false;
        lastTick = Instant.now();
        if (stopping || suspended) {
            polling.set(false);
            return;
        }
        int claimed = claimHoldingPoll();
        if (claimed == CRASHED) {
            return;
        }
        if (claimed >= 0) {
            idleDelay = claimed == 0 ? min(idleDelay.multipliedBy(2), def.maxPollInterval()) : def.pollInterval();
        }
        if (pollAgain) {
            requestPoll();
        } else {
            scheduleNextPoll(claimed < 0 ? def.pollInterval() : idleDelay);
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
            lastTick = Instant.now();
            claimed = claim();
        } catch (Throwable t) {
            polling.set(false);
            crash(t);
            return CRASHED;
        }
        polling.set(false);
        dispatch();
        return claimed;
    }

    /**
     * Claims up to the free slots into the buffer; the caller holds {@link #polling}.
     *
     * @return how many jobs were claimed, or -1 when no slot was free
     */
    private int claim() {
        int free = def.concurrency() + def.prefetch() - inflight.get();
        if (free <= 0) {
            return -1;
        }
        List<Job<T>> jobs;
        claiming = true;
        try {
            jobs = source.claim(instanceId, free);
        } finally {
            claiming = false;
        }
        int crashes = consecutiveCrashes.getAndSet(0);
        if (crashes > 0) {
            LOG.info(() -> "Worker " + instanceId + " claims from queue '" + queue + "' again after " + crashes
                    + " failed polls");
        }
        mayHaveMore = jobs.size() == free;
        if (!jobs.isEmpty()) {
            if (inflight.getAndAdd(jobs.size()) == 0 && state.compareAndSet(WorkerState.IDLE, WorkerState.ENGAGED)) {
                publish(WorkerEvent.Kind.ENGAGED, null, null, null);
            }
            synchronized (buffer) {
                buffer.addAll(jobs);
                buffered.addAndGet(jobs.size());
            }
        }
        return jobs.size();
    }

    /** A runner claims more itself when the buffer runs low, keeping its thread busy instead of handing off. */
    private void claimInline() {
        if (stopping || suspended || !polling.compareAndSet(false, true)) {
            return;
        }
        if (claimHoldingPoll() != CRASHED && pollAgain) {
            // a scheduled or woken poll found us polling and folded into ours: run it, or the poll chain ends
            requestPoll();
        }
    }

    /**
     * Takes a job from the buffer and, when many wait, a share of the others into {@code chunk}, so that a busy
     * runner touches the shared buffer once per chunk rather than once per job. With few buffered jobs (no prefetch,
     * long jobs) the share is one, and free runners are never kept waiting behind a busy one.
     */
    private Job<T> takeBuffered(ArrayDeque<Job<T>> chunk) {
        synchronized (buffer) {
            Job<T> job = buffer.pollFirst();
            if (job == null) {
                return null;
            }
            // no chunks once stopping: what a runner has not started must be easy to hand back
            int share = chunk == null || stopping ? 0 : Math.min(MAX_CHUNK, buffer.size() / def.concurrency());
            if (share > 0) {
                // lock order: buffer, then a runner's chunk
                synchronized (chunk) {
                    for (int i = 0; i < share; i++) {
                        chunk.addLast(buffer.pollFirst());
                    }
                }
            }
            buffered.addAndGet(-1 - share);
            return job;
        }
    }

    private boolean bufferIsEmpty() {
        return buffered.get() == 0;
    }

    /** Starts an idle runner for each buffered job, up to the concurrency. */
    private void dispatch() {
        for (Runner runner : runners) {
            if (bufferIsEmpty()) {
                return;
            }
            runner.activate();
        }
    }

    private synchronized void scheduleNextPoll(Duration delay) {
        if (nextPoll != null) {
            nextPoll.cancel(false);
        }
        if (!stopping && !suspended) {
            nextPoll = scheduler.schedule(this::requestPoll, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void cancelNextPoll() {
        if (nextPoll != null) {
            nextPoll.cancel(false);
            nextPoll = null;
        }
    }

    /** Runs one attempt through the layers, in its span: current for the layers and the handler. */
    private Outcome invoke(Job<T> job) {
        Telemetry.Attempt attempt = telemetry.attempt(def.name(), job.context());
        Outcome outcome;
        Throwable thrown = null;
        try {
            outcome = chain.invoke(def.data().isEmpty() ? job : job.withData(def.data()));
        } catch (Throwable t) {
            // the worker's last guard: whatever the layers let through fails the job, never the worker
            thrown = t;
            outcome = Outcome.failed(t);
        }
        attempt.end(outcome, thrown);
        return outcome;
    }

    private void record(Job<T> job, Outcome outcome, List<Settlement> outcomes) {
        outcomes.add(new Settlement(job.context(), outcome));
        switch (AttemptResult.of(job.context(), outcome)) {
            case DONE -> {
                done.increment();
                publish(WorkerEvent.Kind.JOB_DONE, job.id(), outcome, null);
            }
            case RETRIED -> {
                retried.increment();
                publish(WorkerEvent.Kind.JOB_RETRIED, job.id(), outcome, null);
            }
            case FAILED -> {
                failed.increment();
                publish(WorkerEvent.Kind.JOB_FAILED, job.id(), outcome, null);
            }
            case KILLED -> {
                failed.increment();
                publish(WorkerEvent.Kind.JOB_KILLED, job.id(), outcome, null);
            }
        }
    }

    private void settleLater(List<Settlement> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        settlements.addAll(outcomes);
        // Settle on this thread, one batch at most, so no hand-off to another task is needed. While more jobs wait
        // in the buffer, let outcomes gather into a larger batch: one storage round trip (or lock) for many jobs.
        if ((queuedOutcomes.addAndGet(outcomes.size()) >= SETTLE_GATHER || bufferIsEmpty())
                && flushing.compareAndSet(false, true)) {
            drainSettlements(1);
        }
        outcomes.clear();
    }

    private void finished(int jobs) {
        if (inflight.addAndGet(-jobs) == 0 && state.compareAndSet(WorkerState.ENGAGED, WorkerState.IDLE)) {
            publish(WorkerEvent.Kind.IDLE, null, null, null);
        }
    }

    /**
     * One of the instance's {@code concurrency} slots. While active it is a task on the executor that runs buffered
     * jobs one after another and claims more when the buffer runs dry; it ends (giving its thread back) when there
     * is nothing left, so no thread is held by an idle worker.
     */
    private final class Runner implements Runnable {
        private final AtomicBoolean active = new AtomicBoolean();
        private final AtomicReference<Job<T>> current = new AtomicReference<>();
        /** Jobs this runner took from the buffer beyond the one it runs; guarded by itself. */
        private final ArrayDeque<Job<T>> chunk = new ArrayDeque<>();
        private final List<Settlement> outcomes = new ArrayList<>();
        private volatile Thread thread;

        void activate() {
            if (active.compareAndSet(false, true) && !submit(this)) {
                active.set(false);
            }
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            int ran = 0;
            try {
                while (true) {
                    Job<T> job = next();
                    if (job == null) {
                        // the chunk is done: write its outcomes and free its slots before looking for more
                        settleLater(outcomes);
                        finished(ran);
                        ran = 0;
                        job = takeBuffered(chunk);
                        if (mayHaveMore && buffered.get() < lowWater) {
                            // refill before the buffer runs dry, so runners rarely wait for a claim; a no-op if
                            // another thread is claiming already
                            claimInline();
                        }
                        while (job == null && claiming && mayHaveMore && !stopping) {
                            // another thread is claiming: yield to it rather than give our thread back, since a
                            // new task for this runner would cost a thread hand-off per batch. Only while a claim
                            // really runs: a poll task that is merely queued may wait behind this very runner on a
                            // small pool (WildFly's default managed executor), and spinning for it starved it.
                            Thread.yield();
                            job = takeBuffered(chunk);
                        }
                        if (job == null) {
                            job = takeBuffered(chunk);
                        }
                        if (job == null) {
                            // nothing buffered and no claim possible now; whoever claims next starts runners again
                            break;
                        }
                    }
                    current.set(job);
                    Outcome outcome = invoke(job);
                    if (current.compareAndSet(job, null)) {
                        record(job, outcome, outcomes);
                    } else {
                        // a stop handed the job back and interrupted us: drop the outcome and the interrupt
                        Thread.interrupted();
                    }
                    ran++;
                }
            } finally {
                settleLater(outcomes);
                finished(ran);
                thread = null;
                active.set(false);
            }
            if (!bufferIsEmpty()) {
                activate();
            }
        }

        private Job<T> next() {
            synchronized (chunk) {
                return stopping ? null : chunk.pollFirst();
            }
        }

        /** Adds the ids of the jobs this runner took but has not started to {@code ids}, and forgets them. */
        void handBackChunk(List<String> ids) {
            synchronized (chunk) {
                for (Job<T> job : chunk) {
                    ids.add(job.id());
                }
                chunk.clear();
            }
        }

        /** Takes the running job away from the runner (for a stop); null if none runs. */
        Job<T> takeBack() {
            Job<T> job = current.getAndSet(null);
            Thread t = thread;
            if (job != null && t != null) {
                t.interrupt();
            }
            return job;
        }
    }

    private void flush() {
        if (flushing.compareAndSet(false, true) && !submit(this::drainSettlements)) {
            flushing.set(false);
        }
    }

    private void drainSettlements() {
        drainSettlements(Integer.MAX_VALUE);
    }

    /**
     * Writes queued outcomes, up to {@code maxBatches} batches, then hands what is left to a task of its own;
     * runs only while holding {@link #flushing}.
     */
    private void drainSettlements(int maxBatches) {
        List<Settlement> batch = new ArrayList<>(Math.min(SETTLE_BATCH, 64));
        for (int batches = 0; ; batches++) {
            if (batches == maxBatches) {
                if (!settlements.isEmpty()) {
                    if (!submit(this::drainSettlements)) {
                        flushing.set(false);
                    }
                    return;
                }
                break;
            }
            batch.clear();
            Settlement s;
            while (batch.size() < SETTLE_BATCH && (s = settlements.poll()) != null) {
                batch.add(s);
            }
            if (batch.isEmpty()) {
                break;
            }
            queuedOutcomes.addAndGet(-batch.size());
            try {
                source.settle(batch);
                if (settleFailing) {
                    settleFailing = false;
                    LOG.info(() -> "Worker " + instanceId + " writes back job outcomes to queue '" + queue
                            + "' again");
                }
            } catch (RuntimeException e) {
                settlements.addAll(batch);
                queuedOutcomes.addAndGet(batch.size());
                lastError = "Cannot settle " + batch.size() + " outcomes: " + e;
                // once per outage, not once per retry: a storage that is away for minutes would flood the log
                LOG.log(settleFailing ? Level.FINE : Level.WARNING, "Worker " + instanceId + " cannot write back "
                        + batch.size() + " job outcomes to queue '" + queue + "'; it keeps them and retries every "
                        + SETTLE_RETRY, e);
                settleFailing = true;
                if (stopping) {
                    flushing.set(false);
                    return;
                }
                scheduler.schedule(() -> submit(this::drainSettlements), SETTLE_RETRY.toMillis(),
                        TimeUnit.MILLISECONDS);
                return;
            }
        }
        flushing.set(false);
        if (!settlements.isEmpty()) {
            flush();
        }
    }

    /**
     * Starts a heartbeat unless the last one is still under way: the schedule only hands the heartbeat to the
     * executor, so a slow one (a busy database, start-up) would otherwise overlap the next, and two first heartbeats
     * of one instance would both insert its row.
     */
    private void requestHeartbeat() {
        if (heartbeating.compareAndSet(false, true) && !submit(this::heartbeat)) {
            heartbeating.set(false);
        }
    }

    private void heartbeat() {
        try {
            source.heartbeat(instanceId);
            if (source instanceof JobStorage<T> storage) {
                telemetry.refreshBacklog(queue, storage::counts);
            }
            long now = System.nanoTime();
            if (heartbeatingSince == 0 || heartbeatFailing) {
                heartbeatingSince = now;
            }
            // Judge other workers only after heartbeating without a break for a whole lease: then the storage has
            // answered for that long and a worker silent all that time is gone. Right after this instance starts or
            // gets through again after an outage, every other worker looks silent too (it could not heartbeat
            // either), and recovering its jobs would run them twice though their outcomes are about to be settled.
            if (!def.lease().isZero() && now - heartbeatingSince >= def.lease().toNanos()) {
                int recovered = source.reenqueueOrphans(def.lease());
                if (recovered > 0) {
                    LOG.info(() -> "Worker " + instanceId + " put " + recovered + " orphaned jobs of queue '"
                            + queue + "' back to pending (their workers missed the lease of " + def.lease()
                            + ")");
                }
            }
            if (heartbeatFailing) {
                heartbeatFailing = false;
                LOG.info(() -> "Worker " + instanceId + " heartbeats to queue '" + queue + "' again");
                // the storage answers again: a poller waiting out its restart backoff need not wait any longer
                resume();
            }
        } catch (RuntimeException e) {
            lastError = "Heartbeat failed: " + e;
            if (!heartbeatFailing) {
                heartbeatFailing = true;
                LOG.log(Level.WARNING, "Worker " + instanceId + " cannot heartbeat to queue '" + queue
                        + "'; it keeps trying every " + def.heartbeatInterval(), e);
            }
        } finally {
            heartbeating.set(false);
        }
    }

    private void crash(Throwable error) {
        lastError = String.valueOf(error);
        suspended = true;
        consecutiveCrashes.incrementAndGet();
        state.set(WorkerState.RESTARTING);
        cancelNextPoll();
        publish(WorkerEvent.Kind.ERROR, null, null, error);
        supervisor.crashed(this, error);
    }

    /**
     * Called by the monitor after a crash's backoff, or early when a heartbeat gets through again: polling starts
     * again. Does nothing unless the instance is waiting for a restart.
     */
    public synchronized void resume() {
        if (stopping || !suspended || state.get() == WorkerState.FAILED) {
            return;
        }
        restarts.incrementAndGet();
        idleDelay = def.pollInterval();
        state.set(inflight.get() > 0 ? WorkerState.ENGAGED : WorkerState.IDLE);
        suspended = false;
        publish(WorkerEvent.Kind.RESTARTED, null, null, null);
        requestPoll();
    }

    /** Called by the monitor when the restart budget is spent: the instance claims nothing more. */
    public void giveUp() {
        state.set(WorkerState.FAILED);
        publish(WorkerEvent.Kind.GAVE_UP, null, null, null);
    }

    /** Stops claiming and hands back jobs claimed but not started; running jobs go on. */
    public void beginStop() {
        stopping = true;
        if (state.get() != WorkerState.FAILED) {
            state.set(WorkerState.STOPPING);
        }
        cancelNextPoll();
        // heartbeats go on until finishStop: running jobs are still ours during the grace period, which may be
        // longer than the lease
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.log(Level.FINE, "Closing the wake-up subscription of " + instanceId + " failed", e);
            }
        }
        handBackBuffered();
    }

    private void handBackBuffered() {
        List<String> ids = new ArrayList<>();
        Job<T> job;
        while ((job = takeBuffered(null)) != null) {
            ids.add(job.id());
        }
        for (Runner runner : runners) {
            runner.handBackChunk(ids);
        }
        if (!ids.isEmpty()) {
            finished(ids.size());
            releaseQuietly(ids);
        }
    }

    /** Waits until no poll is under way and no job runs, or until {@code deadline} (System.nanoTime()). */
    public boolean awaitIdle(long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            if (!polling.get() && inflight.get() == 0) {
                return true;
            }
            if (!polling.get() && !bufferIsEmpty()) {
                handBackBuffered();
            }
            Thread.sleep(5);
        }
        return !polling.get() && inflight.get() == 0;
    }

    /**
     * Interrupts what still runs, hands it back to the source, writes the queued outcomes and reports the instance
     * stopped.
     */
    public void finishStop(long settleDeadline) throws InterruptedException {
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
        }
        handBackBuffered();
        List<String> handBack = new ArrayList<>();
        for (Runner runner : runners) {
            Job<T> job = runner.takeBack();
            if (job != null) {
                handBack.add(job.id());
            }
        }
        if (!handBack.isEmpty()) {
            LOG.warning(() -> "Worker " + instanceId + " hands back " + handBack.size()
                    + " jobs it could not finish within the grace period: " + handBack);
            releaseQuietly(handBack);
        }
        while (!flushing.compareAndSet(false, true)) {
            if (System.nanoTime() > settleDeadline) {
                break;
            }
            Thread.sleep(5);
        }
        drainSettlements();
        if (!settlements.isEmpty()) {
            LOG.severe("Worker " + instanceId + " stopped with " + settlements.size()
                    + " outcomes it could not write back; those jobs run again after the lease expires");
        }
        if (state.get() != WorkerState.FAILED) {
            state.set(WorkerState.STOPPED);
        }
        publish(WorkerEvent.Kind.STOPPED, null, null, null);
    }

    private void releaseQuietly(List<String> ids) {
        try {
            source.release(instanceId, ids);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "Worker " + instanceId + " could not hand back jobs " + ids
                    + "; they run again after the lease expires", e);
        }
    }

    public WorkerSnapshot snapshot() {
        return new WorkerSnapshot(def.name(), instanceId, queue, state.get(), inflight.get(), done.sum(),
                retried.sum(), failed.sum(), restarts.get(), lastTick, lastError);
    }

    private boolean submit(Runnable task) {
        try {
            executor.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            if (!stopping) {
                LOG.log(Level.WARNING, "Worker " + instanceId + ": the executor refused a task", e);
            }
            return false;
        }
    }

    private void publish(WorkerEvent.Kind kind, String jobId, Outcome outcome, Throwable error) {
        if (!supervisor.listening()) {
            return;
        }
        supervisor.publish(new WorkerEvent(kind, def.name(), instanceId, Instant.now(), jobId, outcome, error));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
