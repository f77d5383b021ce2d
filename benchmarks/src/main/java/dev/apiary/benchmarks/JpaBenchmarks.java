package dev.apiary.benchmarks;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.persistence.EntityManagerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** The JPA storage's enqueue, drain and latency on one database, each beside its JDBC baseline. */
final class JpaBenchmarks implements AutoCloseable {

    static final int THREADS = 8;
    /** Jobs the JDBC baseline claims per transaction. */
    static final int JDBC_BATCH = 100;

    /** A worker configuration of the drain: what it changes from the defaults (printed), and the change. */
    record Tuning(String settings, UnaryOperator<WorkerBuilder<Noop>> apply) {
        static final Tuning DEFAULTS = new Tuning("defaults", b -> b);
        /** The tuning of earlier releases' published figures: claim 120 jobs beyond the free slots. */
        static final Tuning PREFETCH_120 = new Tuning("prefetch(120)", b -> b.prefetch(120));
    }

    private final BenchDatabases databases;
    private final BenchDatabases.Db db;
    private final EntityManagerFactory emf;
    private int queues;
    /** The worker JVM's CPU time per job of the last drain (Apiary's or the JDBC baseline's), in microseconds. */
    private double lastCpuMicros = Double.NaN;

    JpaBenchmarks(BenchDatabases databases, BenchDatabases.Db db) {
        this.databases = databases;
        this.db = db;
        this.emf = databases.emf(db);
    }

    private JpaJobStorage<Noop> storage() {
        var builder = JpaJobStorage.builder(emf).queue("bench-" + (queues++), Noop.class);
        if (db == BenchDatabases.Db.POSTGRESQL) {
            builder = builder.notifications(databases.postgresDataSource());
        }
        return builder.build();
    }

    /** Apiary's push, one job per transaction. */
    double enqueueOneByOne(int n) {
        JpaJobStorage<Noop> storage = storage();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            storage.push(new Noop(i, 0));
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /** Apiary's pushAll, {@code batch} jobs per call. */
    double enqueueBatched(int n, int batch) {
        JpaJobStorage<Noop> storage = storage();
        long start = System.nanoTime();
        pushAll(storage, n, batch);
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /** Pushes {@code n} no-op jobs, {@code batch} per call. */
    static void pushAll(JobStorage<Noop> storage, int n, int batch) {
        List<Noop> payloads = new ArrayList<>(batch);
        for (int i = 0; i < n; i++) {
            payloads.add(new Noop(i, 0));
            if (payloads.size() == batch || i == n - 1) {
                storage.pushAll(payloads, JobOptions.defaults());
                payloads.clear();
            }
        }
    }

    /**
     * Jobs per second: {@code n} queued no-op jobs drained by one worker instance with {@value #THREADS} slots and
     * otherwise {@code tuning}; the clock stops when the last outcome is written.
     */
    double drain(int n, Tuning tuning) throws InterruptedException {
        JpaJobStorage<Noop> storage = storage();
        pushAll(storage, n, 1000);
        CountDownLatch ran = new CountDownLatch(n);
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        monitor.register(tuning.apply().apply(WorkerBuilder.named("drain").source(storage).concurrency(THREADS))
                .handler(job -> {
                    ran.countDown();
                    return Outcome.done();
                }));
        long cpu = Benchmarks.processCpuNanos();
        long start = System.nanoTime();
        monitor.start();
        InMemoryBenchmarks.await(ran, n);
        while (storage.counts().get(JobStatus.DONE) < n) {
            Thread.sleep(2);
        }
        long took = System.nanoTime() - start;
        lastCpuMicros = (Benchmarks.processCpuNanos() - cpu) / 1e3 / n;
        monitor.stop();
        return n / (took / 1e9);
    }

    /** The JDBC baseline's drain of {@code n} jobs with {@value #THREADS} threads. */
    double jdbcDrain(int n) throws Exception {
        String queue = "jdbc-" + (queues++);
        JdbcQueue jdbc = new JdbcQueue(databases, db);
        jdbc.enqueueBatched(queue, n, 1000);
        long cpu = Benchmarks.processCpuNanos();
        double rate = jdbc.drain(queue, n, THREADS, JDBC_BATCH);
        lastCpuMicros = (Benchmarks.processCpuNanos() - cpu) / 1e3 / n;
        return rate;
    }

    /**
     * The whole JVM's CPU time per job of the last drain, from its start to its last outcome written: the workers,
     * the JDBC driver and the JVM's own threads (the collector, the compiler); PostgreSQL's processes are not in it.
     */
    double lastCpuMicros() {
        return lastCpuMicros;
    }

    double jdbcEnqueueOneByOne(int n) throws Exception {
        return new JdbcQueue(databases, db).enqueueOneByOne("jdbc-" + (queues++), n);
    }

    double jdbcEnqueueBatched(int n, int batch) throws Exception {
        return new JdbcQueue(databases, db).enqueueBatched("jdbc-" + (queues++), n, batch);
    }

    /** Push-to-handler-start latencies in ms, jobs pushed one at a time to idle workers. */
    double[] latencies(int n) throws InterruptedException {
        JpaJobStorage<Noop> storage = storage();
        double[] millis = new double[n];
        CountDownLatch ran = new CountDownLatch(n);
        Monitor monitor = Monitor.create();
        // a slow idle poll: a job must be found through the wake-up (LISTEN/NOTIFY on PostgreSQL), not by polling
        monitor.register(WorkerBuilder.named("latency").source(storage).concurrency(THREADS)
                .pollInterval(Duration.ofSeconds(1)).maxPollInterval(Duration.ofSeconds(5))
                .handler(job -> {
                    millis[job.payload().n()] = (System.nanoTime() - job.payload().pushedAt()) / 1e6;
                    ran.countDown();
                    return Outcome.done();
                }));
        monitor.start();
        Thread.sleep(500);
        for (int i = 0; i < n; i++) {
            storage.push(new Noop(i, System.nanoTime()));
            Thread.sleep(3);
        }
        if (!ran.await(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException("Only " + (n - ran.getCount()) + " of " + n + " latency jobs ran");
        }
        monitor.stop();
        return millis;
    }

    /**
     * Push one job, then await its result, {@code n} times in a row, with idle workers: milliseconds from the push to
     * the awaited result. The caller waits through a storage object of its own, as on another node, so its wait is
     * woken by the completion's notification (NOTIFY in the settle, through LISTEN), not by the settling storage's
     * in-process signal; its fallback poll is a minute apart.
     */
    double[] pushThenAwait(int n) throws Exception {
        JpaJobStorage<Noop> storage = storage();
        JpaJobStorage<Noop> caller = JpaJobStorage.builder(emf).queue(storage.queue(), Noop.class)
                .notifications(databases.postgresDataSource()).build();
        double[] millis = new double[n];
        Monitor workers = Monitor.create();
        workers.register(WorkerBuilder.named("await").source(storage).concurrency(THREADS)
                .pollInterval(Duration.ofSeconds(1)).maxPollInterval(Duration.ofSeconds(5))
                .handler(job -> Outcome.done(job.payload().n())));
        Monitor waits = Monitor.create().awaitPollInterval(Duration.ofMinutes(1));
        workers.start();
        try {
            // the first wait opens the caller's LISTEN connection; not measured
            waits.await(caller, caller.push(new Noop(-1, 0)), Integer.class, Duration.ofSeconds(30))
                    .toCompletableFuture().get(60, TimeUnit.SECONDS);
            for (int i = 0; i < n; i++) {
                long start = System.nanoTime();
                String id = caller.push(new Noop(i, start));
                Integer result = waits.await(caller, id, Integer.class, Duration.ofSeconds(30)).toCompletableFuture()
                        .get(60, TimeUnit.SECONDS).orElseThrow();
                millis[i] = (System.nanoTime() - start) / 1e6;
                if (result != i) {
                    throw new IllegalStateException("Job " + id + " returned " + result + ", not " + i);
                }
            }
        } finally {
            waits.stop();
            workers.stop();
            caller.close();
        }
        return millis;
    }

    @Override
    public void close() {
        emf.close();
    }
}
