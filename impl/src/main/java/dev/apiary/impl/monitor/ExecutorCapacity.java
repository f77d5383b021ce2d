package dev.apiary.impl.monitor;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Finds out, once at start-up, how many tasks an executor runs at once, up to the number the workers may ask for:
 * it submits that many tasks that wait for each other, and counts how many started within a short while. A container
 * does not say how many threads its managed executor has; this is the only portable way to know whether the
 * configured concurrency can be served. The count is taken {@link #PROBE_TIME} after the first task started (a
 * container may hold tasks back while it finishes deploying); the tasks hold their threads that long at most, and
 * return at once when they all started.
 */
public final class ExecutorCapacity {

    /** How long the probe's tasks wait for the rest to start. */
    public static final Duration PROBE_TIME = Duration.ofSeconds(2);

    private ExecutorCapacity() {
    }

    /**
     * How many tasks {@code executor} runs at once, where it says so: a {@link ThreadPoolExecutor} (its maximum
     * when it hands tasks straight to threads, else its core size) or a {@link ForkJoinPool} (its parallelism).
     * Empty for any other executor, a container's managed executor among them: {@link #probe} finds out.
     */
    public static OptionalInt threads(Executor executor) {
        if (executor instanceof ThreadPoolExecutor pool) {
            return OptionalInt.of(pool.getQueue().remainingCapacity() == 0 ? pool.getMaximumPoolSize()
                    : pool.getCorePoolSize());
        }
        if (executor instanceof ForkJoinPool pool) {
            return OptionalInt.of(pool.getParallelism());
        }
        return OptionalInt.empty();
    }

    /**
     * Probes {@code executor} with {@code wanted} tasks in the background; {@code result} receives how many ran at
     * once ({@code wanted} when all did), on the scheduler's thread or the last task's.
     */
    public static void probe(Executor executor, ScheduledExecutorService scheduler, int wanted, IntConsumer result) {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger reported = new AtomicInteger();
        Runnable report = () -> {
            if (reported.compareAndSet(0, 1)) {
                // counted before the release: released threads would let queued tasks start and count
                int ran = started.get();
                release.countDown();
                result.accept(ran);
            }
        };
        for (int i = 0; i < wanted; i++) {
            try {
                executor.execute(() -> {
                    int count = started.incrementAndGet();
                    if (count >= wanted) {
                        report.run();
                    } else if (count == 1) {
                        scheduler.schedule(report, PROBE_TIME.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    try {
                        release.await(2 * PROBE_TIME.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (RejectedExecutionException e) {
                // a bounded executor that refuses more: what started so far is its capacity
                report.run();
                return;
            }
        }
    }
}
