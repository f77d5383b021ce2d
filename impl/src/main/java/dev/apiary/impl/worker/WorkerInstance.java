package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.impl.layer.LayerChain;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.Settlement;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * polling, backing off from {@code pollInterval} to {@code maxPollInterval}), by the source's wake-up (a push), or by
 * a finished job when the last claim filled every slot. At most one poll runs at a time; requests that arrive while
 * one runs fold into one more poll. Outcomes are queued and written back in batches by one settling task at a time,
 * so a busy worker settles many jobs per storage round trip.
 *
 * <p>A job belongs to whoever removes it from {@link #running}: the finishing task (which settles it) or
 * {@link #finishStop} (which hands it back), never both.
 */
public final class WorkerInstance<T> {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());
    private static final int SETTLE_BATCH = 512;
    private static final Duration SETTLE_RETRY = Duration.ofSeconds(1);

    /** What the instance reports to the monitor. */
    public interface Supervisor {
        void publish(WorkerEvent event);

        void crashed(WorkerInstance<?> instance, Throwable error);
    }

    private final WorkerDefinition<T> def;
    private final String instanceId;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final Supervisor supervisor;
    private final LayerChain<T> chain;
    private final JobSource<T> source;

    private final AtomicReference<WorkerState> state = new AtomicReference<>(WorkerState.PENDING);
    private final Map<String, Running<T>> running = new ConcurrentHashMap<>();
    private final AtomicInteger inflight = new AtomicInteger();
    private final AtomicBoolean polling = new AtomicBoolean();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Settlement> settlements = new ConcurrentLinkedQueue<>();
    private final AtomicInteger consecutiveCrashes = new AtomicInteger();
    private final AtomicInteger restarts = new AtomicInteger();
    private final LongAdder done = new LongAdder();
    private final LongAdder failed = new LongAdder();

    private volatile boolean pollAgain;
    private volatile boolean mayHaveMore = true;
    private volatile boolean stopping;
    private volatile boolean suspended;
    private volatile Instant lastTick;
    private volatile String lastError;
    private volatile boolean heartbeatFailing;
    private Duration idleDelay;
    private ScheduledFuture<?> nextPoll;
    private ScheduledFuture<?> heartbeatTask;
    private AutoCloseable subscription;

    public WorkerInstance(WorkerDefinition<T> def, int index, Executor executor, ScheduledExecutorService scheduler,
                          Supervisor supervisor) {
        this.def = def;
        this.source = def.source();
        this.instanceId = def.name() + "-" + index + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
        this.executor = def.executor() != null ? def.executor() : executor;
        this.scheduler = scheduler;
        this.supervisor = supervisor;
        this.chain = new LayerChain<>(def.layers(), def.handler());
        this.idleDelay = def.pollInterval();
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
        subscription = source.onAvailable(this::wake);
        heartbeatTask = scheduler.scheduleWithFixedDelay(() -> submit(this::heartbeat), 0,
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

    private void poll() {
        Duration next;
        try {
            pollAgain = false;
            lastTick = Instant.now();
            if (stopping || suspended) {
                return;
            }
            int free = def.concurrency() - inflight.get();
            if (free <= 0) {
                next = def.pollInterval();
            } else {
                List<Job<T>> jobs = source.claim(instanceId, free);
                consecutiveCrashes.set(0);
                mayHaveMore = jobs.size() == free;
                idleDelay = jobs.isEmpty() ? min(idleDelay.multipliedBy(2), def.maxPollInterval()) : def.pollInterval();
                next = idleDelay;
                for (Job<T> job : jobs) {
                    launch(job);
                }
            }
        } catch (Throwable t) {
            polling.set(false);
            crash(t);
            return;
        }
        polling.set(false);
        if (pollAgain) {
            requestPoll();
        } else {
            scheduleNextPoll(next);
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

    private void launch(Job<T> job) {
        Running<T> r = new Running<>(job);
        running.put(job.id(), r);
        if (inflight.getAndIncrement() == 0 && state.compareAndSet(WorkerState.IDLE, WorkerState.ENGAGED)) {
            publish(WorkerEvent.Kind.ENGAGED, null, null, null);
        }
        if (!submit(() -> execute(r))) {
            // the executor refused (it is shutting down): give the job back untouched
            if (running.remove(job.id()) != null) {
                releaseQuietly(List.of(job.id()));
            }
            inflight.decrementAndGet();
        }
    }

    private void execute(Running<T> r) {
        Job<T> job = r.job;
        if (!running.containsKey(job.id())) {
            // handed back by a stop before it started
            inflight.decrementAndGet();
            return;
        }
        r.thread = Thread.currentThread();
        Outcome outcome;
        try {
            outcome = chain.invoke(def.data().isEmpty() ? job : job.withData(def.data()));
        } catch (Throwable t) {
            // the worker's last guard: whatever the layers let through fails the job, never the worker
            outcome = Outcome.failed(t);
        } finally {
            r.thread = null;
        }
        if (running.remove(job.id()) != null) {
            settlements.add(new Settlement(job.context(), outcome));
            flush();
            if (outcome instanceof Outcome.Done) {
                done.increment();
                publish(WorkerEvent.Kind.JOB_DONE, job.id(), outcome, null);
            } else {
                failed.increment();
                publish(WorkerEvent.Kind.JOB_FAILED, job.id(), outcome, null);
            }
        }
        if (inflight.decrementAndGet() == 0 && state.compareAndSet(WorkerState.ENGAGED, WorkerState.IDLE)) {
            publish(WorkerEvent.Kind.IDLE, null, null, null);
        }
        if (mayHaveMore) {
            requestPoll();
        }
    }

    private void flush() {
        if (flushing.compareAndSet(false, true) && !submit(this::drainSettlements)) {
            flushing.set(false);
        }
    }

    /** Writes queued outcomes in batches; runs only while holding {@link #flushing}. */
    private void drainSettlements() {
        List<Settlement> batch = new ArrayList<>(Math.min(SETTLE_BATCH, 64));
        while (true) {
            batch.clear();
            Settlement s;
            while (batch.size() < SETTLE_BATCH && (s = settlements.poll()) != null) {
                batch.add(s);
            }
            if (batch.isEmpty()) {
                break;
            }
            try {
                source.settle(batch);
            } catch (RuntimeException e) {
                settlements.addAll(batch);
                lastError = "Cannot settle " + batch.size() + " outcomes: " + e;
                LOG.log(Level.WARNING, "Worker " + instanceId + " cannot write back " + batch.size()
                        + " job outcomes to queue '" + source.queue() + "'; retrying in " + SETTLE_RETRY, e);
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

    private void heartbeat() {
        try {
            source.heartbeat(instanceId);
            if (!def.lease().isZero()) {
                int recovered = source.reenqueueOrphans(def.lease());
                if (recovered > 0) {
                    LOG.info(() -> "Worker " + instanceId + " put " + recovered + " orphaned jobs of queue '"
                            + source.queue() + "' back to pending (their workers missed the lease of " + def.lease()
                            + ")");
                }
            }
            if (heartbeatFailing) {
                heartbeatFailing = false;
                LOG.info(() -> "Worker " + instanceId + " heartbeats to queue '" + source.queue() + "' again");
            }
        } catch (RuntimeException e) {
            lastError = "Heartbeat failed: " + e;
            if (!heartbeatFailing) {
                heartbeatFailing = true;
                LOG.log(Level.WARNING, "Worker " + instanceId + " cannot heartbeat to queue '" + source.queue()
                        + "'; it keeps trying every " + def.heartbeatInterval(), e);
            }
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

    /** Called by the monitor after a crash's backoff: polling starts again. */
    public void resume() {
        if (stopping) {
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

    /** Stops claiming; running jobs go on. */
    public void beginStop() {
        stopping = true;
        if (state.get() != WorkerState.FAILED) {
            state.set(WorkerState.STOPPING);
        }
        cancelNextPoll();
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
        }
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.log(Level.FINE, "Closing the wake-up subscription of " + instanceId + " failed", e);
            }
        }
    }

    /** Waits until no poll is under way and no job runs, or until {@code deadline} (System.nanoTime()). */
    public boolean awaitIdle(long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            if (!polling.get() && inflight.get() == 0) {
                return true;
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
        List<String> handBack = new ArrayList<>();
        for (Running<T> r : running.values()) {
            if (running.remove(r.job.id()) != null) {
                handBack.add(r.job.id());
                Thread t = r.thread;
                if (t != null) {
                    t.interrupt();
                }
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
        return new WorkerSnapshot(def.name(), instanceId, source.queue(), state.get(), inflight.get(), done.sum(),
                failed.sum(), restarts.get(), lastTick, lastError);
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
        supervisor.publish(new WorkerEvent(kind, def.name(), instanceId, Instant.now(), jobId, outcome, error));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static final class Running<T> {
        final Job<T> job;
        volatile Thread thread;

        Running(Job<T> job) {
            this.job = job;
        }
    }
}
