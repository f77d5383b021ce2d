package dev.apiary.benchmarks;

import dev.apiary.JobOptions;
import dev.apiary.Outcome;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** In-memory throughput against a plain thread pool, and enqueue-to-start latency with idle workers. */
final class InMemoryBenchmarks {

    static final int SLOTS = 8;
    /** The tuned row's prefetch, as in earlier releases' published figure. */
    static final int PREFETCH = 64;

    private InMemoryBenchmarks() {
    }

    /**
     * Jobs per second: N queued no-op jobs drained by one worker instance with {@value #SLOTS} slots and otherwise
     * the defaults, or with a {@code prefetch} when it is not negative.
     */
    static double drainRate(int n, int prefetch) throws InterruptedException {
        JobStorage<Noop> storage = InMemory.storage("bench", Noop.class);
        List<Noop> batch = new ArrayList<>(10_000);
        for (int i = 0; i < n; i++) {
            batch.add(new Noop(i, 0));
            if (batch.size() == 10_000 || i == n - 1) {
                storage.pushAll(batch, JobOptions.defaults());
                batch.clear();
            }
        }
        CountDownLatch done = new CountDownLatch(n);
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        WorkerBuilder<Noop> builder = WorkerBuilder.named("bench").source(storage).concurrency(SLOTS);
        if (prefetch >= 0) {
            builder = builder.prefetch(prefetch);
        }
        monitor.register(builder.handler(job -> {
                    done.countDown();
                    return Outcome.done();
                }));
        long start = System.nanoTime();
        monitor.start();
        await(done, n);
        long took = System.nanoTime() - start;
        monitor.stop();
        return n / (took / 1e9);
    }

    /** Tasks per second: the same N no-op tasks on a plain {@link ThreadPoolExecutor} with as many threads. */
    static double plainPoolRate(int n) throws InterruptedException {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(SLOTS, SLOTS, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>());
        pool.prestartAllCoreThreads();
        CountDownLatch done = new CountDownLatch(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pool.execute(done::countDown);
        }
        await(done, n);
        long took = System.nanoTime() - start;
        pool.shutdown();
        return n / (took / 1e9);
    }

    /** Enqueue-to-handler-start latencies in ms, jobs pushed one at a time to idle workers. */
    static double[] latencies(int n) throws InterruptedException {
        JobStorage<Noop> storage = InMemory.storage("latency", Noop.class);
        double[] millis = new double[n];
        CountDownLatch done = new CountDownLatch(n);
        Monitor monitor = Monitor.create();
        monitor.register(WorkerBuilder.named("latency").source(storage).concurrency(SLOTS)
                .handler(job -> {
                    millis[job.payload().n()] = (System.nanoTime() - job.payload().pushedAt()) / 1e6;
                    done.countDown();
                    return Outcome.done();
                }));
        monitor.start();
        Thread.sleep(200);
        for (int i = 0; i < n; i++) {
            storage.push(new Noop(i, System.nanoTime()));
            Thread.sleep(1);
        }
        await(done, n);
        monitor.stop();
        return millis;
    }

    static void await(CountDownLatch latch, int n) throws InterruptedException {
        if (!latch.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("Only " + (n - latch.getCount()) + " of " + n + " jobs ran in 10 min");
        }
    }
}
