package dev.apiary.impl.mq;

import dev.apiary.testing.ManualClock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Manual time for {@link MessageQueueContract}: a {@link ManualClock} and a scheduler that runs nothing by itself.
 * Tasks run on the test's thread when time passes or the test lets the queue settle down; no thread is started.
 */
public final class ManualTimeline implements MessageQueueContract.Timeline {

    private final ManualClock clock = ManualClock.startingNow();
    private final Tasks tasks = new Tasks();

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Executor executor() {
        return tasks;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return tasks;
    }

    @Override
    public void pass(Duration step) {
        clock.advance(step);
        tasks.runUntilIdle();
    }

    @Override
    public void settleDown() {
        tasks.runUntilIdle();
    }

    @Override
    public void until(String what, BooleanSupplier condition) {
        tasks.runUntilIdle();
        assertThat(condition.getAsBoolean()).as(what + ", with what is due at " + clock.instant() + " done").isTrue();
    }

    @Override
    public void close() {
    }

    /** Submitted tasks in order, scheduled ones once the clock has reached them. */
    private final class Tasks extends AbstractExecutorService implements ScheduledExecutorService {
        /** Guarded by this. */
        private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
        /** Guarded by this. */
        private final PriorityQueue<Timed> timed = new PriorityQueue<>();
        private long sequence;

        void runUntilIdle() {
            while (true) {
                Runnable task;
                synchronized (this) {
                    task = ready.pollFirst();
                    if (task == null) {
                        Timed next = timed.peek();
                        if (next == null || next.at.isAfter(clock.instant())) {
                            return;
                        }
                        task = timed.poll();
                    }
                }
                task.run();
                if (task instanceof Timed t) {
                    t.failure();
                }
            }
        }

        @Override
        public synchronized void execute(Runnable command) {
            ready.addLast(command);
        }

        @Override
        public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            Timed t = new Timed(command, clock.instant().plusNanos(unit.toNanos(delay)), sequence++);
            timed.add(t);
            return t;
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            throw new UnsupportedOperationException("message queues schedule Runnables only");
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
                                                      TimeUnit unit) {
            throw new UnsupportedOperationException("message queues schedule single tasks only");
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                                                         TimeUnit unit) {
            throw new UnsupportedOperationException("message queues schedule single tasks only");
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

        private final class Timed extends FutureTask<Void> implements ScheduledFuture<Void> {
            final Instant at;
            final long seq;

            Timed(Runnable command, Instant at, long seq) {
                super(command, null);
                this.at = at;
                this.seq = seq;
            }

            /** A scheduled task's exception, which a FutureTask would keep to itself, fails the test. */
            void failure() {
                if (isCancelled()) {
                    return;
                }
                try {
                    get();
                } catch (ExecutionException e) {
                    throw new AssertionError("a task the queue scheduled failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                synchronized (Tasks.this) {
                    timed.remove(this);
                }
                return super.cancel(mayInterruptIfRunning);
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
}
