package dev.apiary.impl.worker;

import dev.apiary.impl.clock.EngineClock;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where an instance's stages get their time and threads, all from what the monitor handed the instance: tasks
 * (jobs, claims, settlements) go to the executor, timers (polls, heartbeats, retries of a write) to the scheduler,
 * and every clock read goes to the monitor's {@link EngineClock}. No stage starts a thread or reads the system clock.
 */
final class StageThreads {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());

    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final EngineClock clock;
    private final String instanceId;
    /** Whether the instance stops: refusals are then expected and not told. */
    private final BooleanSupplier stopping;
    /** Whether the executor refused this instance's last task: a run of refusals is logged once. */
    private final AtomicBoolean refusing = new AtomicBoolean();

    StageThreads(Executor executor, ScheduledExecutorService scheduler, EngineClock clock, String instanceId,
                 BooleanSupplier stopping) {
        this.executor = executor;
        this.scheduler = scheduler;
        this.clock = clock;
        this.instanceId = instanceId;
        this.stopping = stopping;
    }

    Executor executor() {
        return executor;
    }

    /** The monitor's scheduler, which also times the layers of the instance's attempts. */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    EngineClock clock() {
        return clock;
    }

    /** The wall-clock time now. */
    Instant now() {
        return clock.instant();
    }

    /** The monotonic clock, in nanoseconds. */
    long nanoTime() {
        return clock.nanoTime();
    }

    /** Runs {@code task} on the executor; false when the executor refused it (logged once per run of refusals). */
    boolean submit(Runnable task) {
        try {
            executor.execute(task);
            if (refusing.get()) {
                refusing.set(false);
            }
            return true;
        } catch (RejectedExecutionException e) {
            // A server that is stopping shuts its managed executor down before it stops the application (Open
            // Liberty's "server stop" quiesces first: CWWKE1202E), so refusals come before this instance is told to
            // stop. Each refusal only skips a poll or a heartbeat that the next tick tries again: the first of a run
            // of refusals is told once, without a stack trace; the rest are for FINE.
            if (!stopping.getAsBoolean() && refusing.compareAndSet(false, true)) {
                LOG.info(() -> "Worker " + instanceId + ": the executor refuses tasks (" + e.getMessage()
                        + "); the worker tries again at its next tick. A stopping server refuses them until it"
                        + " stops the application; otherwise the executor is full or shut down");
            } else {
                LOG.log(Level.FINE, "Worker " + instanceId + ": the executor refused a task", e);
            }
            return false;
        }
    }

    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Duration delay) {
        return scheduler.scheduleWithFixedDelay(task, 0, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
}
