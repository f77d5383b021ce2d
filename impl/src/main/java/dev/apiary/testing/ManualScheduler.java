package dev.apiary.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An executor and scheduler that run nothing by themselves: {@link #runUntilIdle()} runs, on the caller's thread,
 * every submitted task and every scheduled task that the {@link ManualClock} has made due, until none is left, and
 * {@link #tick(Duration)} moves the clock, stopping at each due time on the way. {@link ManualMonitor} and
 * {@link WorkerDriver} run the engine on one; a test of a single part of the worker loop can too. Tasks run on the
 * thread that calls those methods: drive it from one thread.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private final ManualClock clock;
    /** Guarded by this. */
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    /** Guarded by this. */
    private final PriorityQueue<Timed> timed = new PriorityQueue<>();
    private long sequence;

    /** What scheduled tasks threw, which their futures would otherwise keep to themselves. */
    private final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A scheduler whose timers fall due as {@code clock} is moved. */
    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    /** Runs what is ready or due now until nothing is; returns how many tasks ran. */
    public int runUntilIdle() {
        int ran = 0;
        while (true) {
            Runnable task;
            synchronized (this) {
                task = ready.pollFirst();
                if (task == null) {
                    Timed next = timed.peek();
                    if (next == null || next.at.isAfter(clock.instant())) {
                        return ran;
                    }
                    timed.poll();
                    task = next;
                }
            }
            task.run();
            ran++;
        }
    }

    /**
     * Moves the clock forward by {@code step}, stopping at each time a timer falls due on the way to run what is due
     * then, in order; returns how many tasks ran. A task may move the clock itself (a call that takes long on the
     * manual clock); the tick then ends where the task left the clock, if that is past {@code step}.
     */
    public int tick(Duration step) {
        Instant end = clock.instant().plus(step);
        int ran = runUntilIdle();
        Instant next;
        while ((next = nextDue()) != null && !next.isAfter(end)) {
            if (next.isAfter(clock.instant())) {
                clock.advance(Duration.between(clock.instant(), next));
            }
            ran += runUntilIdle();
        }
        if (end.isAfter(clock.instant())) {
            clock.advance(Duration.between(clock.instant(), end));
        }
        return ran + runUntilIdle();
    }

    /** What the scheduled (not the {@linkplain #execute executed}) tasks that ran so far threw, in order. */
    public List<Throwable> failures() {
        return List.copyOf(failures);
    }

    /** When the next scheduled task falls due, or {@code null} when none is scheduled. */
    public synchronized Instant nextDue() {
        Timed next = timed.peek();
        return next == null ? null : next.at;
    }

    @Override
    public synchronized void execute(Runnable command) {
        ready.addLast(command);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(command, Duration.ofNanos(unit.toNanos(delay)), null);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("Apiary's worker loop schedules Runnables only");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return scheduleWithFixedDelay(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                                                     TimeUnit unit) {
        if (delay <= 0) {
            throw new IllegalArgumentException("A repeating task needs a positive delay, was " + delay + " " + unit);
        }
        return add(command, Duration.ofNanos(unit.toNanos(initialDelay)), Duration.ofNanos(unit.toNanos(delay)));
    }

    private synchronized Timed add(Runnable command, Duration delay, Duration repeat) {
        Runnable noted = () -> {
            try {
                command.run();
            } catch (RuntimeException | Error e) {
                failures.add(e);
                throw e;
            }
        };
        Timed t = new Timed(noted, clock.instant().plus(delay), repeat, sequence++);
        timed.add(t);
        return t;
    }

    @Override
    public void shutdown() {
    }

    @Override
    public List<Runnable> shutdownNow() {
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }

    /** A scheduled task; ordered by due time, then by when it was scheduled. */
    private final class Timed extends FutureTask<Void> implements ScheduledFuture<Void> {
        private final Duration repeat;
        private final long seq;
        private volatile Instant at;

        Timed(Runnable command, Instant at, Duration repeat, long seq) {
            super(command, null);
            this.at = at;
            this.repeat = repeat;
            this.seq = seq;
        }

        @Override
        public void run() {
            if (repeat == null) {
                super.run();
            } else if (!isCancelled() && runAndReset()) {
                at = clock.instant().plus(repeat);
                synchronized (ManualScheduler.this) {
                    timed.add(this);
                }
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            synchronized (ManualScheduler.this) {
                timed.remove(this);
            }
            return cancelled;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), at));
        }

        @Override
        public int compareTo(Delayed other) {
            Timed o = (Timed) other;
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
