package dev.apiary.benchmarks;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.flow.BatchSummary;
import dev.apiary.flow.Flows;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.persistence.EntityManagerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A batch's fan-in on PostgreSQL: the time from {@code Flows.batch} of {@code n} no-op jobs to the start of its
 * callback, beside the time from {@code pushAll} of as many plain jobs to the last one written done; the same worker
 * (one instance, {@value JpaBenchmarks#THREADS} slots) drains both.
 */
final class FlowBenchmarks {

    private final BenchDatabases databases;
    private final EntityManagerFactory emf;
    private int queues;

    FlowBenchmarks(BenchDatabases databases) {
        this.databases = databases;
        this.emf = databases.emf(BenchDatabases.Db.POSTGRESQL);
    }

    static void section(Report report, BenchDatabases databases, int n, int runs) throws Exception {
        // what users run: PostgreSQL's default durability
        databases.synchronousCommit(true);
        FlowBenchmarks flows = new FlowBenchmarks(databases);
        flows.plainDrainMillis(Math.min(n, 2000));
        flows.batchFanInMillis(Math.min(n, 2000));
        double[] plain = new double[runs];
        double[] batch = new double[runs];
        for (int i = 0; i < runs; i++) {
            plain[i] = flows.plainDrainMillis(n);
            batch[i] = flows.batchFanInMillis(n);
        }
        report.add(new Report.Row("PostgreSQL: batch of " + n + " no-op jobs, Flows.batch to its callback's start, "
                + JpaBenchmarks.THREADS + " slots", Benchmarks.median(batch), "ms", "pushAll of " + n
                + " plain jobs to the last done", Benchmarks.median(plain), "-", true));
    }

    private <T> JpaJobStorage<T> storage(String name, Class<T> type) {
        return JpaJobStorage.builder(emf).queue(name + "-" + (queues++), type)
                .notifications(databases.postgresDataSource()).build();
    }

    double plainDrainMillis(int n) throws InterruptedException {
        JpaJobStorage<Noop> storage = storage("plain", Noop.class);
        CountDownLatch ran = new CountDownLatch(n);
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        monitor.register(WorkerBuilder.named("plain").source(storage).concurrency(JpaBenchmarks.THREADS)
                .handler(job -> {
                    ran.countDown();
                    return Outcome.done();
                }));
        monitor.start();
        long start = System.nanoTime();
        storage.pushAll(payloads(n), JobOptions.defaults());
        InMemoryBenchmarks.await(ran, n);
        while (storage.counts().get(JobStatus.DONE) < n) {
            Thread.sleep(2);
        }
        long took = System.nanoTime() - start;
        monitor.stop();
        return took / 1e6;
    }

    double batchFanInMillis(int n) throws InterruptedException {
        JpaJobStorage<Noop> items = storage("items", Noop.class);
        JpaJobStorage<BatchSummary> callbacks = storage("callback", BatchSummary.class);
        CountDownLatch called = new CountDownLatch(1);
        long[] calledAt = new long[1];
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        monitor.register(WorkerBuilder.named("items").source(items).concurrency(JpaBenchmarks.THREADS)
                .handler(job -> Outcome.done()));
        monitor.register(WorkerBuilder.named("callback").source(callbacks).concurrency(1).handler(job -> {
            if (job.payload().succeeded().size() != n) {
                throw new IllegalStateException("The callback saw " + job.payload().succeeded().size() + " of " + n
                        + " jobs done");
            }
            calledAt[0] = System.nanoTime();
            called.countDown();
            return Outcome.done();
        }));
        monitor.start();
        long start = System.nanoTime();
        Flows.over(items, callbacks).batch("bench", items.queue(), payloads(n), JobOptions.defaults(),
                callbacks.queue());
        if (!called.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("The callback of a batch of " + n + " did not run within 5 minutes");
        }
        monitor.stop();
        return (calledAt[0] - start) / 1e6;
    }

    private static List<Noop> payloads(int n) {
        return IntStream.range(0, n).mapToObj(i -> new Noop(i, 0)).toList();
    }
}
