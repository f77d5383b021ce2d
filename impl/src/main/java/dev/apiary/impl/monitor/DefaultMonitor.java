package dev.apiary.impl.monitor;

import dev.apiary.ApiaryException;
import dev.apiary.ConfigurationException;
import dev.apiary.JobResult;
import dev.apiary.impl.clock.EngineClock;
import dev.apiary.impl.result.CompletionWaits;
import dev.apiary.impl.schedule.Scheduler;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.impl.worker.HeartbeatLane;
import dev.apiary.impl.worker.WorkerDefinition;
import dev.apiary.impl.worker.OrphanSweep;
import dev.apiary.impl.worker.WorkerInstance;
import dev.apiary.schedule.Schedule;
import dev.apiary.schedule.Schedules;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.Worker;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerListener;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link Monitor}: starts worker instances, restarts one whose loop crashed after an exponential backoff, reports
 * it {@code FAILING} after {@code maxRestarts} crashes in a row (a successful poll resets the count) and then goes on
 * restarting it at the longest backoff, and stops everything gracefully. Jobs run on the given executor; polls,
 * heartbeats and restarts are timed by the given scheduler.
 *
 * <p>Housekeeping runs on the scheduler itself, never behind jobs on the executor: heartbeats, polls that find no
 * free slot, orphan sweeps and schedule ticks. Those that call the storage may block while it is slow, so that no
 * queue's slow database delays another's heartbeats, each blocks at most one thread at a time: heartbeats of all
 * instances on one source share one {@link HeartbeatLane}, each source's orphan sweep and the schedule ticks never
 * overlap themselves. {@link #housekeepingThreads()} counts them, plus one for timers that only hand work on (polls,
 * restarts, {@code @Timeout} deadlines); the monitor's own scheduler gets that many threads, and a scheduler given
 * to it (a container's) should have as many.
 */
public final class DefaultMonitor implements Monitor, WorkerInstance.Supervisor {

    private static final Logger LOG = Logger.getLogger(DefaultMonitor.class.getName());
    /** How long a stop waits for the threads of executors the monitor owns to end. */
    private static final Duration OWNED_EXECUTORS_END = Duration.ofSeconds(5);
    /** How often a stop waiting for running jobs sees whether a heartbeat is due. */
    private static final Duration STOP_HEARTBEAT_CHECK = Duration.ofMillis(50);

    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    /** The one clock of the engine: every instance and stage reads time from it. */
    private final EngineClock clock;
    private final boolean ownsExecutors;
    private volatile UnaryOperator<Runnable> wakeUpContext = UnaryOperator.identity();
    private final List<Registration> registrations = new ArrayList<>();
    private final List<WorkerInstance<?>> instances = new CopyOnWriteArrayList<>();
    private final List<WorkerListener> listeners = new CopyOnWriteArrayList<>();
    private final Scheduler schedules = new Scheduler();
    private volatile OrphanSweep orphanSweep;
    /** One lane per source (by identity) for the heartbeats of its instances; filled while instances are made. */
    private final Map<JobSource<?>, HeartbeatLane> heartbeatLanes = new IdentityHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    /**
     * Held while {@link #start()} starts the instances and the housekeeping: a stop that comes meanwhile (from another
     * thread, once the first claim is under way) waits for it, so that nothing is scheduled after the scheduler is
     * shut down and nothing started is left running; a start after a stop starts nothing.
     */
    private final Object lifecycle = new Object();
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** Completed when a run should stop the monitor: a stop began, or every worker has ended on its own. */
    private final CompletableFuture<Void> runEnds = new CompletableFuture<>();
    private volatile Telemetry telemetry;
    /** One reference, so that the telemetry can forget it again. */
    private final Supplier<List<WorkerSnapshot>> snapshots = this::snapshot;
    private volatile Duration gracePeriod = Duration.ofSeconds(30);
    /** How long a stop waits for an outcome write under way before it writes what is left itself. */
    private volatile Duration settleWait = Duration.ofSeconds(5);
    private volatile RestartBudget budget = new RestartBudget(10, Duration.ofSeconds(1), Duration.ofSeconds(30));
    /** Restarts waiting out their backoff (and some that ran); added by crashed, cancelled by the stop. */
    private final Set<ScheduledFuture<?>> pendingRestarts = ConcurrentHashMap.newKeySet();
    /** The waits for jobs of each storage awaited through this monitor; guarded by itself. */
    private final Map<JobStorage<?>, CompletionWaits> waits = new IdentityHashMap<>();
    private volatile Duration awaitPollInterval = Duration.ofSeconds(1);

    /** A monitor on its own executors (a cached pool for jobs, one scheduler thread), shut down by {@link #stop}. */
    public DefaultMonitor() {
        this(Executors.newCachedThreadPool(DaemonThreads.named("apiary-job")), newScheduler(), EngineClock.system(),
                true);
    }

    /** A monitor on executors owned by someone else (the container's managed executors). */
    public DefaultMonitor(Executor executor, ScheduledExecutorService scheduler) {
        this(executor, scheduler, EngineClock.system(), false);
    }

    /**
     * A monitor on executors owned by someone else, reading time from {@code clock}: a test's manual executors and
     * clock (see {@code dev.apiary.testing.ManualMonitor}) step the whole engine.
     */
    public DefaultMonitor(Executor executor, ScheduledExecutorService scheduler, EngineClock clock) {
        this(executor, scheduler, clock, false);
    }

    private DefaultMonitor(Executor executor, ScheduledExecutorService scheduler, EngineClock clock,
                           boolean ownsExecutors) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ownsExecutors = ownsExecutors;
    }

    /** The engine's clock, which the monitor hands to every instance. */
    public EngineClock clock() {
        return clock;
    }

    private static ScheduledExecutorService newScheduler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("apiary-scheduler"));
        s.setRemoveOnCancelPolicy(true);
        return s;
    }


    @Override
    public synchronized Monitor register(Worker worker) {
        return register(1, i -> worker);
    }

    @Override
    public synchronized Monitor register(int count, IntFunction<Worker> factory) {
        if (count < 1) {
            throw new ConfigurationException("A worker needs at least one instance, was " + count);
        }
        if (started.get()) {
            throw new IllegalStateException("Register workers before the monitor starts");
        }
        for (int i = 0; i < count; i++) {
            Worker worker = factory.apply(i);
            if (!(worker instanceof WorkerDefinition<?> def)) {
                throw new ConfigurationException("Worker " + worker + " was not built by WorkerBuilder");
            }
            registrations.add(new Registration(def, i));
        }
        return this;
    }

    @Override
    public <T> Monitor schedule(Schedule schedule, JobStorage<T> storage, Supplier<? extends T> payload) {
        if (started.get()) {
            throw new IllegalStateException("Register schedules before the monitor starts");
        }
        schedules.add(schedule, storage, payload);
        return this;
    }

    @Override
    public <R> CompletionStage<JobResult<R>> await(JobStorage<?> storage, String id, Class<R> type,
                                                   Duration timeout) {
        Objects.requireNonNull(id, "id");
        return awaitAll(storage, List.of(id), type, timeout).thenApply(results -> results.get(0));
    }

    @Override
    public <R> CompletionStage<List<JobResult<R>>> awaitAll(JobStorage<?> storage, Collection<String> ids,
                                                            Class<R> type, Duration timeout) {
        Objects.requireNonNull(storage, "storage");
        CompletionWaits ofStorage;
        synchronized (waits) {
            if (stopping.get()) {
                return CompletableFuture.failedFuture(new ApiaryException("The monitor is stopped; jobs of queue '"
                        + storage.queue() + "' cannot be awaited through it"));
            }
            ofStorage = waits.computeIfAbsent(storage, s -> new CompletionWaits(s, scheduler, awaitPollInterval));
        }
        return ofStorage.awaitAll(ids, type, timeout);
    }

    @Override
    public Monitor awaitPollInterval(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new ConfigurationException("awaitPollInterval must be positive, was " + interval);
        }
        this.awaitPollInterval = interval;
        return this;
    }

    @Override
    public Monitor telemetry(Object openTelemetry) {
        telemetry(Telemetry.of(openTelemetry, Telemetry.DEFAULT_BACKLOG_REFRESH));
        return this;
    }

    /** Reports to {@code value}, and makes pushes in this class loader report to it too. */
    public DefaultMonitor telemetry(Telemetry value) {
        if (started.get()) {
            throw new IllegalStateException("Set the monitor's telemetry before it starts");
        }
        this.telemetry = Objects.requireNonNull(value, "telemetry");
        Telemetry.share(value);
        return this;
    }

    @Override
    public Schedules schedules() {
        return schedules;
    }

    @Override
    public Telemetry telemetry() {
        Telemetry t = telemetry;
        if (t == null) {
            t = Telemetry.shared();
            telemetry = t;
        }
        return t;
    }

    @Override
    public Monitor addListener(WorkerListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    @Override
    public Monitor gracePeriod(Duration value) {
        if (value == null || value.isNegative()) {
            throw new ConfigurationException("The grace period must be zero or positive, was " + value);
        }
        this.gracePeriod = value;
        return this;
    }

    /**
     * How long a stop waits, after the grace period, for a write of outcomes under way (or waiting to retry) before it
     * writes what is left itself; 5 s unless set. On a clock that only a test moves, a wait would never end: the
     * manual monitor sets zero.
     */
    public DefaultMonitor settleWait(Duration value) {
        if (value == null || value.isNegative()) {
            throw new ConfigurationException("The settle wait must be zero or positive, was " + value);
        }
        this.settleWait = value;
        return this;
    }

    @Override
    public Monitor restartBudget(int maxConsecutiveRestarts, Duration initialBackoff, Duration maxBackoff) {
        if (maxConsecutiveRestarts < 0) {
            throw new ConfigurationException("maxConsecutiveRestarts must not be negative, was "
                    + maxConsecutiveRestarts);
        }
        if (initialBackoff == null || initialBackoff.isNegative() || maxBackoff == null
                || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new ConfigurationException("Restart backoff must be 0 <= initial (" + initialBackoff
                    + ") <= max (" + maxBackoff + ")");
        }
        this.budget = new RestartBudget(maxConsecutiveRestarts, initialBackoff, maxBackoff);
        return this;
    }

    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        checkUniqueNames();
        synchronized (lifecycle) {
            if (!stopping.get()) {
                startInstances();
            }
        }
    }

    private void startInstances() {
        List<WorkerInstance<?>> created = new ArrayList<>();
        synchronized (this) {
            for (Registration r : registrations) {
                created.add(new WorkerInstance<>(r.definition, r.index, executor, scheduler, clock, this));
            }
        }
        instances.addAll(created);
        telemetry().watch(snapshots);
        for (WorkerInstance<?> instance : created) {
            instance.start();
        }
        // once per node, not per instance: one sweep for each source the node's workers claim from
        orphanSweep = new OrphanSweep(created, scheduler, clock);
        if (ownsExecutors) {
            ((ScheduledThreadPoolExecutor) scheduler).setCorePoolSize(housekeepingThreads());
        }
        orphanSweep.start();
        schedules.start(scheduler);
        warnIfExecutorSmall(created);
        LOG.info(() -> "Apiary monitor started " + created.size() + " worker instances");
    }

    /**
     * How many scheduler threads the monitor's housekeeping may block at once while storages are slow (see the
     * class comment), so that a slow source cannot hold up another's heartbeats; known once started.
     */
    public int housekeepingThreads() {
        int lanes;
        synchronized (heartbeatLanes) {
            lanes = heartbeatLanes.size();
        }
        OrphanSweep sweep = orphanSweep;
        // one for the schedule ticks (counted whether or not there are schedules: counting them would read stores)
        return lanes + (sweep == null ? 0 : sweep.groups()) + 1 + 1;
    }

    /*
     * Only where the executor says how many threads it has; a container's managed executor does not, and
     * ContainerMonitor probes it. At most the total concurrency is too small: jobs of some workers then wait for a
     * thread of others, and the claims of a worker whose slots are free wait behind running jobs.
     */
    private void warnIfExecutorSmall(List<WorkerInstance<?>> created) {
        OptionalInt known = ExecutorCapacity.threads(executor);
        if (known.isEmpty()) {
            return;
        }
        int threads = known.getAsInt();
        int total = created.stream().filter(i -> i.definition().executor() == null)
                .mapToInt(i -> i.definition().concurrency()).sum();
        if (total > 0 && threads <= total) {
            LOG.warning(() -> "Apiary workers may run " + total + " jobs at once (instances x concurrency), but the"
                    + " executor has only " + threads + " threads: " + (threads < total ? "jobs beyond that wait for"
                    + " a thread, and " : "") + "claims wait behind running jobs. Give it more than " + total
                    + " threads, or lower the workers' concurrency");
        }
    }

    /**
     * Runs the orphan sweep of every source once, now, on the calling thread, as its schedule would; for tests that
     * step time. Does nothing before the start.
     */
    public void sweepOrphansNow() {
        OrphanSweep sweep = orphanSweep;
        if (sweep != null) {
            sweep.sweepNow();
        }
    }

    /**
     * Heartbeats now, on the calling thread, for every instance whose last heartbeat began an interval ago or more
     * and none is under way; for tests that step time.
     */
    public void heartbeatsIfDue() {
        instances.forEach(WorkerInstance::heartbeatIfDue);
    }

    /**
     * The instances that claim nothing because their heartbeats have not got through for too long, with how long
     * ago the last one did.
     */
    public Map<String, Duration> heartbeatsOverdue() {
        Map<String, Duration> result = new LinkedHashMap<>();
        for (WorkerInstance<?> instance : instances) {
            instance.heartbeatOverdue().ifPresent(age -> result.put(instance.instanceId(), age));
        }
        return result;
    }

    @Override
    public HeartbeatLane heartbeatLane(JobSource<?> source) {
        synchronized (heartbeatLanes) {
            return heartbeatLanes.computeIfAbsent(source, s -> new HeartbeatLane());
        }
    }

    private void checkUniqueNames() {
        Map<String, WorkerDefinition<?>> seen = new HashMap<>();
        for (Registration r : registrations) {
            WorkerDefinition<?> other = seen.putIfAbsent(r.definition.name(), r.definition);
            if (other != null && other != r.definition && r.index == 0) {
                throw new ConfigurationException("Two workers are named '" + r.definition.name()
                        + "'; worker names must be unique within a monitor");
            }
        }
    }

    @Override
    public void stop() {
        if (!stopping.compareAndSet(false, true)) {
            awaitTerminationQuietly();
            return;
        }
        runEnds.complete(null);
        synchronized (lifecycle) {
            // a start under way ends first: what it started is stopped below
        }
        // nothing new goes to the scheduler from here on: a server that suspends while it stops (WildFly) refuses
        // the tasks on its managed scheduler and logs each refusal as an ERROR; a stopping node sweeps no orphans
        schedules.stop();
        if (orphanSweep != null) {
            orphanSweep.stop();
        }
        pendingRestarts.forEach(restart -> restart.cancel(false));
        synchronized (waits) {
            waits.values().forEach(CompletionWaits::close);
            waits.clear();
        }
        try {
            long deadline = clock.nanoTime() + gracePeriod.toNanos();
            for (WorkerInstance<?> instance : instances) {
                instance.beginStop();
            }
            awaitIdle(deadline);
            long settleDeadline = clock.nanoTime() + settleWait.toNanos();
            for (WorkerInstance<?> instance : instances) {
                instance.finishStop(settleDeadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warning("Interrupted while stopping workers; some jobs may still be running");
        } finally {
            telemetry().unwatch(snapshots);
            if (ownsExecutors) {
                scheduler.shutdownNow();
                ((ExecutorService) executor).shutdown();
                awaitOwnedExecutors();
            }
            terminated.countDown();
            LOG.info("Apiary monitor stopped");
        }
    }

    /**
     * Waits a little for the monitor's own threads to end, so that a stop leaves none behind; what a handler that
     * ignores interruption still runs ends with it, on a daemon thread. A stop called from a job (on one of those
     * threads) cannot wait for its own thread and does not.
     */
    private void awaitOwnedExecutors() {
        if (DaemonThreads.isCurrent()) {
            return;
        }
        try {
            long deadline = clock.nanoTime() + OWNED_EXECUTORS_END.toNanos();
            scheduler.awaitTermination(OWNED_EXECUTORS_END.toNanos(), TimeUnit.NANOSECONDS);
            ((ExecutorService) executor).awaitTermination(Math.max(0, deadline - clock.nanoTime()),
                    TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the running jobs of every instance until {@code deadline}, heartbeating for them meanwhile. */
    private void awaitIdle(long deadline) throws InterruptedException {
        for (WorkerInstance<?> instance : instances) {
            while (!instance.awaitIdle(Math.min(deadline, clock.nanoTime() + STOP_HEARTBEAT_CHECK.toNanos()))
                    && clock.nanoTime() < deadline) {
                instances.forEach(WorkerInstance::heartbeatIfDue);
            }
        }
    }

    private void awaitTerminationQuietly() {
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() throws InterruptedException {
        runUntil(runEnds);
    }

    /*
     * The calling thread stops the monitor itself once the signal comes (or every worker has ended), so a run needs
     * no thread of its own; a stop begun elsewhere (a shutdown hook) is waited for.
     */
    @Override
    public void runUntil(CompletionStage<?> signal) throws InterruptedException {
        start();
        signal.whenComplete((value, error) -> runEnds.complete(null));
        try {
            runEnds.get();
        } catch (ExecutionException cannotHappen) {
            throw new IllegalStateException(cannotHappen);
        }
        stop();
    }

    @Override
    public void runUntilShutdown() throws InterruptedException {
        // a shutdown hook, not a signal handler: the JVM runs every hook to its end before it halts, so the grace
        // period is served in full whatever asked for the exit
        Thread hook = new Thread(this::stop, "apiary-monitor-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing to remove
            }
        }
    }

    /** Whether {@link #stop()} has finished. */
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    @Override
    public List<WorkerSnapshot> snapshot() {
        List<WorkerSnapshot> result = new ArrayList<>();
        for (WorkerInstance<?> instance : instances) {
            result.add(instance.snapshot());
        }
        return result;
    }

    /** How the wake-up a source calls on a pusher's thread is wrapped (by default it is not); for containers. */
    public DefaultMonitor wakeUpContext(UnaryOperator<Runnable> wrapper) {
        this.wakeUpContext = Objects.requireNonNull(wrapper, "wrapper");
        return this;
    }

    @Override
    public Runnable wakeUp(Runnable wake) {
        return wakeUpContext.apply(wake);
    }

    @Override
    public void publish(WorkerEvent event) {
        for (WorkerListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A worker listener failed on " + event.kind() + " of " + event.instanceId(), e);
            }
        }
    }

    @Override
    public boolean listening() {
        return !listeners.isEmpty();
    }

    @Override
    public void ended(WorkerInstance<?> instance) {
        if (!instances.isEmpty() && instances.stream().allMatch(i -> i.state() == WorkerState.STOPPED)) {
            LOG.info("Every worker of the Apiary monitor has ended: their sources are finished");
            runEnds.complete(null);
        }
    }

    @Override
    public void crashed(WorkerInstance<?> instance, Throwable error) {
        int crashes = instance.consecutiveCrashes();
        if (stopping.get()) {
            return;
        }
        RestartBudget b = budget;
        int maxRestarts = b.maxRestarts();
        long nanos = restartDelay(crashes, b.initialBackoff(), b.maxBackoff()).toNanos();
        if (crashes > maxRestarts) {
            // never for good: the source may be a database that is away for an hour, and the node must come back
            // by itself when it returns, without a redeploy; the schedules and the orphan sweep go on meanwhile
            if (crashes == maxRestarts + 1) {
                LOG.log(Level.SEVERE, "Worker " + instance.instanceId() + " crashed " + crashes + " times in a row,"
                        + " past its restart budget of " + maxRestarts + "; it is FAILING (readiness DOWN) and is"
                        + " restarted every " + Duration.ofNanos(nanos) + " until its queue answers again", error);
            } else {
                LOG.fine(() -> "Worker " + instance.instanceId() + " is still failing (" + crashes + " crashes in a"
                        + " row): " + error);
            }
            instance.failing();
        } else {
            LOG.log(Level.WARNING, "Worker " + instance.instanceId() + " crashed (" + crashes + " in a row): "
                    + error + "; restarting in " + Duration.ofNanos(nanos), crashes == 1 ? error : null);
        }
        pendingRestarts.removeIf(ScheduledFuture::isDone);
        ScheduledFuture<?> restart = scheduler.schedule(instance::resume, nanos, TimeUnit.NANOSECONDS);
        pendingRestarts.add(restart);
        if (stopping.get()) {
            // the stop began meanwhile and may have cancelled the pending restarts before this one was added
            restart.cancel(false);
        }
    }

    /**
     * The pause before the restart that follows the {@code crashes}-th crash in a row: {@code initial} doubling per
     * crash, never more than {@code max} (which is also the pause of every restart past the budget).
     */
    static Duration restartDelay(int crashes, Duration initial, Duration max) {
        return Duration.ofNanos(Math.min(max.toNanos(), initial.toNanos() * (1L << Math.min(20, crashes - 1))));
    }

    private record Registration(WorkerDefinition<?> definition, int index) {
    }

    /** How often a crashed instance is restarted before it is reported failing, and the pauses before restarts. */
    private record RestartBudget(int maxRestarts, Duration initialBackoff, Duration maxBackoff) {
    }
}
