package dev.apiary.testing;

import dev.apiary.impl.monitor.DefaultMonitor;
import dev.apiary.schedule.Schedule;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.Worker;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerSnapshot;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A whole monitor run on the test's thread against a {@link ManualClock}: several workers, their heartbeats, the
 * node's orphan sweep, restarts after a crash and recurring schedules all run when the test steps time, in the
 * order their times fall due, and never by themselves. A test of leases, backoffs or schedules steps minutes in
 * milliseconds instead of sleeping, and can read off the time of every claim and heartbeat.
 *
 * <pre>{@code
 * ManualClock clock = ManualClock.startingNow();
 * JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
 * ManualMonitor monitor = ManualMonitor.on(clock)
 *         .register(WorkerBuilder.named("email").source(storage).handler(new EmailHandler(fakeMailer)))
 *         .schedule(Schedule.cron("digest", "0 0 * * * *"), storage, () -> new Email("digest"))
 *         .start();                              // first polls and heartbeats have run
 * String id = storage.push(new Email("a@example.com"));
 * monitor.tick(Duration.ofSeconds(1));           // claimed, run, settled
 * monitor.tick(Duration.ofHours(1));             // the schedule fires and its job runs
 * monitor.runOrphanSweep();                      // jobs of workers silent for a lease go back to pending
 * monitor.stop();
 * }</pre>
 *
 * Jobs run on the test's thread too, so a handler that blocks blocks the test; a worker with an executor of its own
 * runs its jobs there. The monitor's grace period is zero: when {@link #stop()} is called every job has already run;
 * and a stop does not wait for a write of outcomes that failed and waits to retry: it tries once more, then hands
 * the rest to the lease.
 * Not thread-safe: drive it from one thread. (db-scheduler's {@code ManualScheduler} does the same for its tasks.)
 */
public final class ManualMonitor {

    private final ManualClock clock;
    private final ManualScheduler scheduler;
    private final DefaultMonitor monitor;
    private final List<WorkerEvent> events = new CopyOnWriteArrayList<>();

    private ManualMonitor(ManualClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = new ManualScheduler(clock);
        this.monitor = new DefaultMonitor(scheduler, scheduler, clock);
        // a stop waits on this clock, which nothing moves while it waits
        monitor.settleWait(Duration.ZERO).gracePeriod(Duration.ZERO).addListener(events::add);
    }

    /** A monitor whose every task, timer and clock read goes through {@code clock}; register workers, then start. */
    public static ManualMonitor on(ManualClock clock) {
        return new ManualMonitor(clock);
    }

    /** Registers one instance of {@code worker} (as built by {@code WorkerBuilder}). */
    public ManualMonitor register(Worker worker) {
        monitor.register(worker);
        return this;
    }

    /** Registers {@code count} instances, the i-th built by {@code factory.apply(i)}. */
    public ManualMonitor register(int count, IntFunction<Worker> factory) {
        monitor.register(count, factory);
        return this;
    }

    /** Registers a recurring schedule that pushes {@code payload} to {@code storage} each time it fires. */
    public <T> ManualMonitor schedule(Schedule schedule, JobStorage<T> storage, Supplier<? extends T> payload) {
        monitor.schedule(schedule, storage, payload);
        return this;
    }

    /** The monitor itself, for what this kit does not wrap (listeners, the restart budget, schedules). */
    public Monitor monitor() {
        return monitor;
    }

    /** The clock every part of the monitor reads. */
    public ManualClock clock() {
        return clock;
    }

    /** Starts the monitor and runs what is due at once: the first polls and heartbeats. */
    public ManualMonitor start() {
        monitor.start();
        runUntilIdle();
        return this;
    }

    /**
     * Runs, on this thread, every task and timer due at the clock's current time, until none is left.
     *
     * @return how many tasks ran
     */
    public int runUntilIdle() {
        return scheduler.runUntilIdle();
    }

    /**
     * Moves the clock forward by {@code step}, stopping at each time a timer falls due on the way to run what is due
     * then, as a real clock would: polls, heartbeats, orphan sweeps, restarts and schedule ticks, in order.
     *
     * @return how many tasks ran
     */
    public int tick(Duration step) {
        return scheduler.tick(step);
    }

    /**
     * Heartbeats now for every instance whose last heartbeat began an interval ago or more, without waiting for its
     * timer; then runs what that made due.
     */
    public void runHeartbeats() {
        monitor.heartbeatsIfDue();
        runUntilIdle();
    }

    /**
     * Runs the node's orphan sweep now, without waiting for its timer: for each source, jobs of workers (of any
     * node) whose heartbeat is older than the lease go back to pending, if this node's heartbeats have got through
     * for a whole lease. Then runs what that made due.
     */
    public void runOrphanSweep() {
        monitor.sweepOrphansNow();
        runUntilIdle();
    }

    /** A snapshot of every instance, as the monitor reports them. */
    public List<WorkerSnapshot> snapshot() {
        return monitor.snapshot();
    }

    /** Every event the workers published so far, in order. */
    public List<WorkerEvent> events() {
        return List.copyOf(events);
    }

    /** Runs what is due, then stops the monitor as at shutdown: what is held is handed back, outcomes written. */
    public void stop() {
        runUntilIdle();
        monitor.stop();
    }
}
