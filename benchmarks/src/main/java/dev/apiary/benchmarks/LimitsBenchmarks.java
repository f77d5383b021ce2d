package dev.apiary.benchmarks;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.QueueLimits;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.persistence.EntityManagerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * What cluster-wide queue limits cost on PostgreSQL: the same drain of no-op jobs by one worker instance of
 * {@link JpaBenchmarks#THREADS} slots with the defaults, without limits, with a global limit larger than the slots and
 * the prefetch (never reached, so what is measured is the counting: the queue's row locked, the running jobs
 * counted), and with the jobs spread over {@value #KEYS} keys, each limited to more running jobs than it has (every
 * claim goes through the path that passes over full keys); in turns, in one run.
 */
final class LimitsBenchmarks {

    static final int KEYS = 100;
    /** A global limit no drain here reaches: slots plus the largest adaptive prefetch stay far below it. */
    static final int GLOBAL = 100_000;

    private final EntityManagerFactory emf;
    private final BenchDatabases databases;
    private int queues;

    private LimitsBenchmarks(BenchDatabases databases) {
        this.databases = databases;
        this.emf = databases.emf(BenchDatabases.Db.POSTGRESQL);
    }

    /** The section's rows, under PostgreSQL's current {@code synchronous_commit}, named by {@code name}. */
    static void section(Report report, BenchDatabases databases, String name, int n, int runs) throws Exception {
        LimitsBenchmarks bench = new LimitsBenchmarks(databases);
        int perKey = n / KEYS + 1;
        QueueLimits global = QueueLimits.none().withMaxRunning(GLOBAL);
        QueueLimits keyed = QueueLimits.none().partitionedBy(QueueLimits.PartitionKey.metadata("tenant"))
                .withMaxRunningPerKey(perKey);
        try {
            for (QueueLimits limits : List.of(QueueLimits.none(), global, keyed)) {
                bench.drain(Math.min(n, 2000), limits);
            }
            double[] none = new double[runs];
            double[] capped = new double[runs];
            double[] partitioned = new double[runs];
            for (int i = 0; i < runs; i++) {
                databases.truncate(BenchDatabases.Db.POSTGRESQL);
                none[i] = bench.drain(n, QueueLimits.none());
                databases.truncate(BenchDatabases.Db.POSTGRESQL);
                capped[i] = bench.drain(n, global);
                databases.truncate(BenchDatabases.Db.POSTGRESQL);
                partitioned[i] = bench.drain(n, keyed);
            }
            double base = Benchmarks.median(none);
            double g = Benchmarks.median(capped);
            double k = Benchmarks.median(partitioned);
            String what = String.format(Locale.ROOT, "%sdrain %,d no-op jobs, %d slots, defaults, ", name, n,
                    JpaBenchmarks.THREADS);
            report.add(new Report.Row(what + "queue limit max-running=" + GLOBAL + " (larger than slots and "
                    + "prefetch)", g, "jobs/s", "the same drain without limits", base, ">= 0.90x", g >= 0.9 * base));
            report.add(new Report.Row(what + KEYS + " keys (metadata), max-running-per-key=" + perKey
                    + ", pushed key by key", k, "jobs/s", "the same drain without limits", base, ">= 0.90x",
                    k >= 0.9 * base));
            databases.truncate(BenchDatabases.Db.POSTGRESQL);
        } finally {
            bench.emf.close();
        }
    }

    /**
     * Jobs per second: {@code n} queued no-op jobs of a fresh queue with {@code limits} (keyed jobs pushed key by key,
     * so that claims meet long runs of one key) drained by one worker instance; the clock stops at the last outcome.
     */
    private double drain(int n, QueueLimits limits) throws InterruptedException {
        JpaJobStorage<Noop> storage = JpaJobStorage.builder(emf).queue("limits-" + (queues++), Noop.class)
                .notifications(databases.postgresDataSource()).build();
        storage.limit(limits);
        if (limits.partitioned()) {
            for (int key = 0; key < KEYS; key++) {
                List<Noop> payloads = new ArrayList<>();
                for (int i = key; i < n; i += KEYS) {
                    payloads.add(new Noop(i, 0));
                }
                storage.pushAll(payloads, JobOptions.defaults().withMetadata("tenant", "tenant-" + key));
            }
        } else {
            List<Noop> payloads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                payloads.add(new Noop(i, 0));
                if (payloads.size() == 1000 || i == n - 1) {
                    storage.pushAll(payloads, JobOptions.defaults());
                    payloads.clear();
                }
            }
        }
        CountDownLatch ran = new CountDownLatch(n);
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        monitor.register(WorkerBuilder.named("limits").source(storage).concurrency(JpaBenchmarks.THREADS)
                .handler(job -> {
                    ran.countDown();
                    return Outcome.done();
                }));
        long start = System.nanoTime();
        monitor.start();
        InMemoryBenchmarks.await(ran, n);
        while (storage.counts().get(JobStatus.DONE) < n) {
            Thread.sleep(2);
        }
        long took = System.nanoTime() - start;
        monitor.stop();
        storage.close();
        return n / (took / 1e9);
    }
}
