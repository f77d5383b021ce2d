package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.impl.clock.EngineClock;
import dev.apiary.impl.layer.LayerChain;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One running instance of a worker, and its lifecycle: start, crash and restart, stop. The loop itself is in
 * stages a job walks through by calls: the {@link Poller} claims into the {@link ClaimBuffer}, a {@link Runner}
 * runs each job through the layers, the {@link Settler} decides and writes back its next state, and the
 * {@link Heartbeat} keeps the instance's jobs its own (the node's {@link OrphanSweep} takes back those of workers
 * that stopped heartbeating). No thread is owned by the loop: jobs, claims and settlements run as short tasks on
 * the executor; heartbeats, and polls that find no free slot, run on the scheduler, so that they never wait behind
 * jobs.
 */
public final class WorkerInstance<T> implements OrphanSweep.Witness {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());
    /** How often an instance whose source ended looks whether its last poll is over. */
    private static final Duration SOURCE_END_CHECK = Duration.ofMillis(10);
    /** How long an instance whose source ended waits for its last poll and jobs before it stops anyway. */
    private static final Duration SOURCE_END_WAIT = Duration.ofSeconds(30);
    /** How long that stop waits for a write of outcomes under way. */
    private static final Duration SOURCE_END_SETTLE = Duration.ofSeconds(5);

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

        /** The instance stopped on its own, as its source has ended (a finished stream). */
        default void ended(WorkerInstance<?> instance) {
        }

        /** Where the heartbeats of the instance on {@code source} run; a monitor gives all its instances on one source the same. */
        default HeartbeatLane heartbeatLane(JobSource<?> source) {
            return new HeartbeatLane();
        }
    }

    private final WorkerDefinition<T> def;
    private final String instanceId;
    private final Supervisor supervisor;
    private final JobSource<T> source;
    /** Kept apart from the source: a snapshot must work after a container has destroyed the source's bean. */
    private final String queue;
    private final StageThreads threads;

    private final WorkerStats stats = new WorkerStats();
    private final ClaimBuffer<T> buffer;
    private final Poller<T> poller;
    private final Settler<T> settler;
    private final Heartbeat<T> heartbeat;
    private final List<Runner<T>> runners;
    private final CancelCheck<T> cancels;

    /** Written by the lifecycle methods, the poller (engaged) and runners (idle); read by the monitor. */
    private final AtomicReference<WorkerState> state = new AtomicReference<>(WorkerState.REGISTERED);
    /** Crashes since the last claim that worked; raised by crash, reset by the poller's claim; read by the monitor. */
    private final AtomicInteger consecutiveCrashes = new AtomicInteger();
    /** Whether the loop polls; written by beginStop (once, for good), crash and resume; read by every stage. */
    private final AtomicReference<Loop> loop = new AtomicReference<>(Loop.POLLING);
    /** Set once when the source reports it has ended, so that only one thread stops the instance for it. */
    private final AtomicBoolean sourceEnded = new AtomicBoolean();
    private AutoCloseable subscription;

    /** Whether the loop polls. */
    private enum Loop {
        POLLING,
        /** A claim failed: the monitor resumes it after a backoff, or a heartbeat that gets through does. */
        SUSPENDED,
        /** Stopping, for good. */
        STOPPING
    }

    /**
     * An instance of {@code def} whose stages run on {@code executor} (unless the worker has an executor of its own)
     * and {@code scheduler}, and read time from {@code clock}: all three from its monitor.
     */
    public WorkerInstance(WorkerDefinition<T> def, int index, Executor executor, ScheduledExecutorService scheduler,
                          EngineClock clock, Supervisor supervisor) {
        this.def = def;
        this.source = def.source();
        this.queue = source.queue();
        // unique across nodes and restarts: settlements and reenqueueing orphans key on it
        this.instanceId = def.name() + "-" + index + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        this.supervisor = supervisor;
        this.threads = new StageThreads(def.executor() != null ? def.executor() : executor, scheduler, clock,
                instanceId, this::stopping);
        StageContext<T> context = new StageContext<>(def, instanceId, source, queue, stats, supervisor.telemetry(),
                threads);
        this.buffer = new ClaimBuffer<>(def.concurrency(), def.prefetch(), source instanceof JobStorage);
        this.heartbeat = new Heartbeat<>(context, supervisor.heartbeatLane(source), new HeartbeatCalls());
        this.poller = new Poller<>(context, buffer, this::heartbeatOverdue, new PollerCalls());
        this.settler = new Settler<>(context, buffer, new SettlerCalls());
        LayerChain<T> chain = new LayerChain<>(def.layers(), def.handler());
        RunnerCalls runnerCalls = new RunnerCalls();
        List<Runner<T>> slots = new ArrayList<>(def.concurrency());
        for (int i = 0; i < def.concurrency(); i++) {
            slots.add(new Runner<>(context, buffer, chain, runnerCalls));
        }
        this.runners = List.copyOf(slots);
        this.cancels = new CancelCheck<>(context, new CancelCalls());
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
        source.useExecutors(threads.executor(), threads.scheduler());
        subscription = source.onAvailable(supervisor.wakeUp(() -> {
            poller.wake();
            // a wake-up may also tell of a cancel, as a cancel wakes the queue's workers on every node
            cancels.request();
        }));
        heartbeat.start();
        poller.requestPoll();
    }

    // ---- what the stages report: each stage sees only its own Callbacks

    private final class PollerCalls implements Poller.Callbacks {
        @Override
        public boolean halted() {
            return loop.get() != Loop.POLLING;
        }

        @Override
        public void claimed(int jobs, boolean engaged) {
            claimSucceeded(jobs > 0 ? !engaged : buffer.held() > 0);
            if (engaged && state.compareAndSet(WorkerState.IDLE, WorkerState.ENGAGED)) {
                publish(WorkerEvent.Kind.ENGAGED, null, null, null);
            }
        }

        @Override
        public void dispatch() {
            for (Runner<T> runner : runners) {
                if (buffer.isEmpty()) {
                    return;
                }
                runner.activate();
            }
        }

        @Override
        public void claimFailed(Throwable error) {
            crash(error);
        }

        @Override
        public void sourceEnded() {
            sourceExhausted();
        }
    }

    private final class RunnerCalls implements Runner.Callbacks<T> {
        @Override
        public boolean stopping() {
            return WorkerInstance.this.stopping();
        }

        @Override
        public void record(Job<T> job, Outcome outcome, List<Settlement> outcomes) {
            settler.record(job, outcome, outcomes);
        }

        @Override
        public void chunkDone(List<Settlement> outcomes, int ran) {
            settler.settleLater(outcomes);
            finished(ran);
        }

        @Override
        public void claimAhead() {
            // a no-op if another thread is claiming already
            if (poller.mayHaveMore() && buffer.isLow()) {
                poller.claimInline();
            }
        }

        @Override
        public boolean claimUnderWay() {
            return poller.claiming() && poller.mayHaveMore();
        }

        @Override
        public void leaving() {
            // unlike a claim ahead, a poll requested while another runs is not dropped: it follows that one
            if (poller.mayHaveMore() && !stopping()) {
                poller.requestPoll();
            }
        }

        @Override
        public void cancelled(Job<T> job, Outcome outcome) {
            publish(WorkerEvent.Kind.JOB_CANCELLED, job.id(), outcome, null);
        }
    }

    private final class SettlerCalls implements Settler.Callbacks {
        @Override
        public void publish(WorkerEvent.Kind kind, String jobId, Outcome outcome) {
            WorkerInstance.this.publish(kind, jobId, outcome, null);
        }

        @Override
        public boolean stopping() {
            return WorkerInstance.this.stopping();
        }
    }

    private final class HeartbeatCalls implements Heartbeat.Callbacks {
        @Override
        public WorkerSnapshot snapshot() {
            return WorkerInstance.this.snapshot();
        }

        @Override
        public void heartbeatsBack() {
            // a poller waiting out its restart backoff need not wait any longer
            resume();
        }

        @Override
        public void beaten() {
            // the fallback for a cancel whose wake-up was missed or never sent
            cancels.check();
        }
    }

    private final class CancelCalls implements CancelCheck.Callbacks {
        @Override
        public List<String> runningJobs() {
            List<String> ids = new ArrayList<>();
            for (Runner<T> runner : runners) {
                String id = runner.runningJob();
                if (id != null) {
                    ids.add(id);
                }
            }
            return ids;
        }

        @Override
        public void cancel(Set<String> ids) {
            for (Runner<T> runner : runners) {
                runner.cancel(ids);
            }
        }
    }

    /** Runners finished (or a stop handed back) {@code jobs} jobs. */
    private void finished(int jobs) {
        if (buffer.finished(jobs) && state.compareAndSet(WorkerState.ENGAGED, WorkerState.IDLE)) {
            publish(WorkerEvent.Kind.IDLE, null, null, null);
        }
    }

    /**
     * A claim got through: the crash count starts over, and a failing instance is back.
     *
     * @param heldBefore whether the instance held jobs before the claim
     */
    private void claimSucceeded(boolean heldBefore) {
        int crashes = consecutiveCrashes.getAndSet(0);
        WorkerState back = heldBefore ? WorkerState.ENGAGED : WorkerState.IDLE;
        if (state.compareAndSet(WorkerState.FAILING, back)) {
            publish(back == WorkerState.ENGAGED ? WorkerEvent.Kind.ENGAGED : WorkerEvent.Kind.IDLE, null, null, null);
        }
        if (crashes > 0) {
            LOG.info(() -> "Worker " + instanceId + " claims from queue '" + queue + "' again after " + crashes
                    + " failed polls");
        }
    }

    /** The poller's claim failed: polling stops until the monitor (or a heartbeat that gets through) resumes it. */
    private void crash(Throwable error) {
        stats.lastError = String.valueOf(error);
        loop.compareAndSet(Loop.POLLING, Loop.SUSPENDED);
        consecutiveCrashes.incrementAndGet();
        // a failing instance stays so until a claim works: readiness must not flicker UP between its retries
        state.getAndUpdate(s -> s == WorkerState.FAILING ? s : WorkerState.RESTARTING);
        poller.cancelNextPoll();
        publish(WorkerEvent.Kind.ERROR, null, null, error);
        supervisor.crashed(this, error);
    }

    /**
     * Called by the monitor after a crash's backoff, or early when a heartbeat gets through again: polling starts
     * again. Does nothing unless the instance is waiting for a restart. A {@link WorkerState#FAILING} instance stays
     * so until its next claim works.
     */
    public synchronized void resume() {
        if (loop.get() != Loop.SUSPENDED) {
            return;
        }
        stats.restarts.incrementAndGet();
        state.getAndUpdate(s -> s == WorkerState.FAILING ? s
                : buffer.held() > 0 ? WorkerState.ENGAGED : WorkerState.IDLE);
        loop.compareAndSet(Loop.SUSPENDED, Loop.POLLING);
        publish(WorkerEvent.Kind.RESTARTED, null, null, null);
        poller.restart();
    }

    /**
     * Called by the monitor when the restart budget is spent: the instance is {@link WorkerState#FAILING} (readiness
     * DOWN) until a claim works again, while the monitor goes on restarting it. Once per run of crashes.
     */
    public void failing() {
        WorkerState before = state.getAndUpdate(s -> s == WorkerState.STOPPING || s == WorkerState.STOPPED ? s
                : WorkerState.FAILING);
        if (before != WorkerState.FAILING && before != WorkerState.STOPPING && before != WorkerState.STOPPED) {
            publish(WorkerEvent.Kind.FAILING, null, null, null);
        }
    }

    // ---- stop

    /**
     * The source will yield nothing more (a finished stream) and nothing is held: the instance stops as a graceful
     * stop would. The poll that found out must not wait for itself, so the rest of the stop waits for it on the
     * scheduler, holding no thread meanwhile, and then runs on the executor.
     */
    private void sourceExhausted() {
        if (stopping() || !sourceEnded.compareAndSet(false, true)) {
            return;
        }
        beginStop();
        endOnceIdle(threads.nanoTime() + SOURCE_END_WAIT.toNanos());
    }

    private void endOnceIdle(long deadline) {
        try {
            if ((poller.busy() || buffer.held() > 0) && threads.nanoTime() < deadline) {
                threads.schedule(() -> endOnceIdle(deadline), SOURCE_END_CHECK);
                return;
            }
            Runnable end = () -> {
                try {
                    finishStop(threads.nanoTime() + SOURCE_END_SETTLE.toNanos());
                    LOG.info(() -> "Worker " + instanceId + " stopped: the source of queue '" + queue + "' has ended");
                    supervisor.ended(this);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            if (!threads.submit(end)) {
                end.run();
            }
        } catch (RejectedExecutionException monitorStops) {
            // the monitor's stop finishes this instance itself
        }
    }

    /** Stops claiming and hands back jobs claimed but not started; running jobs go on. Once only. */
    public void beginStop() {
        if (loop.getAndSet(Loop.STOPPING) == Loop.STOPPING) {
            return;
        }
        state.set(WorkerState.STOPPING);
        poller.cancelNextPoll();
        // heartbeats go on until finishStop, since running jobs are still ours during the grace period, which may be
        // longer than the lease; but from the stopping thread (heartbeatIfDue), not the scheduler
        heartbeat.stopSchedule();
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
        while ((job = buffer.take(null)) != null) {
            ids.add(job.id());
        }
        for (Runner<T> runner : runners) {
            runner.handBackChunk(ids);
        }
        if (!ids.isEmpty()) {
            finished(ids.size());
            releaseQuietly(ids);
        }
    }

    /** During a stop, heartbeats on the calling thread when one is due. */
    public void heartbeatIfDue() {
        heartbeat.beatIfDue();
    }

    /** Waits until no poll is under way and no job runs, or until {@code deadline} (the engine's monotonic clock). */
    public boolean awaitIdle(long deadline) throws InterruptedException {
        while (threads.nanoTime() < deadline) {
            if (!poller.busy() && buffer.held() == 0) {
                return true;
            }
            if (!poller.busy() && !buffer.isEmpty()) {
                handBackBuffered();
            }
            Thread.sleep(5);
        }
        return !poller.busy() && buffer.held() == 0;
    }

    /**
     * Interrupts what still runs, hands it back to the source, writes the queued outcomes (waiting for a write under
     * way until {@code settleDeadline}, on the engine's monotonic clock) and reports the instance stopped.
     */
    public void finishStop(long settleDeadline) throws InterruptedException {
        if (state.get() == WorkerState.STOPPED) {
            return;
        }
        heartbeat.stop();
        handBackBuffered();
        List<String> handBack = new ArrayList<>();
        for (Runner<T> runner : runners) {
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
        int unsettled = settler.drainFinally(settleDeadline);
        if (unsettled > 0) {
            LOG.severe("Worker " + instanceId + " stopped with " + unsettled
                    + " outcomes it could not write back; those jobs run again after the lease expires");
        }
        state.set(WorkerState.STOPPED);
        if (unsettled == 0) {
            // a row left STOPPING would read as a live instance until purged; with outcomes unwritten the row must
            // age instead, so that the jobs still held go back once the lease has passed
            heartbeat.farewell();
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
        return new WorkerSnapshot(def.name(), instanceId, queue, state.get(), buffer.held(), stats.done.sum(),
                stats.retried.sum(), stats.failed.sum(), stats.restarts.get(), stats.lastTick, stats.lastError);
    }

    /**
     * How long ago the instance's last heartbeat got through, when that is so long that it claims nothing until one
     * does (see {@link Heartbeat}); empty while heartbeats get through.
     */
    public Optional<Duration> heartbeatOverdue() {
        return Optional.ofNullable(heartbeat.overdue());
    }

    @Override
    public boolean heartbeatUnbrokenFor(Duration lease, long now) {
        return heartbeat.unbrokenFor(lease, now);
    }

    private boolean stopping() {
        return loop.get() == Loop.STOPPING;
    }

    private void publish(WorkerEvent.Kind kind, String jobId, Outcome outcome, Throwable error) {
        if (!supervisor.listening()) {
            return;
        }
        supervisor.publish(new WorkerEvent(kind, def.name(), instanceId, threads.now(), jobId, outcome, error));
    }
}
