package dev.apiary.impl.layer;

import dev.apiary.Job;
import dev.apiary.JobTimeoutException;
import dev.apiary.Outcome;
import dev.apiary.layer.Layer;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Fails an attempt that runs longer than its timeout, counted from the moment the attempt reaches this layer (time a
 * job spent waiting for a thread is not counted). The rest of the chain runs on the caller's thread, so an attempt
 * takes one thread of the executor, not two; at the deadline a task on the scheduler interrupts that thread, and
 * the attempt ends with {@link JobTimeoutException} whatever the handler returns afterwards. A handler that ignores
 * interruption keeps its worker's slot until it returns. Without a scheduler of its own the strategy uses the one of
 * the worker running the attempt.
 */
public final class TimeoutStrategy implements Layer {

    private final Duration timeout;
    private final ScheduledExecutorService scheduler;

    /** A timeout whose alarms the scheduler of the worker running the attempt runs. */
    public TimeoutStrategy(Duration timeout) {
        this(timeout, null);
    }

    /** A timeout whose alarms {@code scheduler} runs (null: the running worker's, see {@link AttemptScheduler}). */
    public TimeoutStrategy(Duration timeout, ScheduledExecutorService scheduler) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
        this.scheduler = scheduler;
    }

    @Override
    public Outcome apply(Job<?> job, Next next) throws Exception {
        Attempt attempt = new Attempt(Thread.currentThread());
        ScheduledFuture<?> alarm = alarms().schedule(attempt::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        Outcome outcome;
        try {
            outcome = next.proceed();
        } catch (Exception | Error e) {
            alarm.cancel(false);
            if (attempt.finish()) {
                throw timedOut(job, e);
            }
            throw e;
        }
        alarm.cancel(false);
        if (attempt.finish()) {
            throw timedOut(job, null);
        }
        return outcome;
    }

    private ScheduledExecutorService alarms() {
        if (scheduler != null) {
            return scheduler;
        }
        ScheduledExecutorService worker = AttemptScheduler.current();
        return worker != null ? worker : OutsideWorkers.SCHEDULER;
    }

    /**
     * For attempts that run outside any worker (a JobTester, a benchmark): one daemon thread, created on first such
     * use. A monitor never starts it, as its runners show their own scheduler.
     */
    private static final class OutsideWorkers {
        static final ScheduledExecutorService SCHEDULER = newScheduler();

        private static ScheduledExecutorService newScheduler() {
            // a daemon made here rather than by the monitor's thread factory: layers sit below the monitor
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "apiary-timeout-1");
                t.setDaemon(true);
                return t;
            });
            s.setRemoveOnCancelPolicy(true);
            return s;
        }
    }

    private JobTimeoutException timedOut(Job<?> job, Throwable cause) {
        JobTimeoutException e = new JobTimeoutException(job.id(), timeout);
        if (cause != null && !(cause instanceof InterruptedException)) {
            e.addSuppressed(cause);
        }
        return e;
    }

    /**
     * One attempt's race between its end and its deadline, decided under a lock so that the interrupt of an expired
     * attempt is always cleared by the attempt itself and never leaks into the next job on the same thread.
     */
    private static final class Attempt {
        private final Thread runner;
        private boolean ended;
        private boolean expired;

        Attempt(Thread runner) {
            this.runner = runner;
        }

        synchronized void expire() {
            if (!ended) {
                expired = true;
                runner.interrupt();
            }
        }

        /** Ends the attempt; true when it had expired (its interrupt is then cleared). */
        synchronized boolean finish() {
            ended = true;
            if (expired) {
                Thread.interrupted();
            }
            return expired;
        }
    }
}
