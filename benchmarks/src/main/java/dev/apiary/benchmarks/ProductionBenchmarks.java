package dev.apiary.benchmarks;

import dev.apiary.Outcome;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.persistence.EntityManagerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Where production queues slow down, on PostgreSQL with Apiary's defaults: jobs that do work (each waits 10 ms, as a
 * call to another system would) on 64 slots against the slot-bound ideal and db-scheduler; a table already holding
 * millions of finished jobs against an empty one; and a drain while another session holds a snapshot open (a report,
 * a backup, a forgotten {@code idle in transaction} session), which keeps every dead row of earlier claims and
 * settles from being cleaned, against the same drain without it, with the raw JDBC queue beside it.
 */
final class ProductionBenchmarks {

    static final int BUSY_SLOTS = 64;
    static final int WORK_MILLIS = 10;

    private final BenchDatabases databases;
    private final EntityManagerFactory emf;
    private final String name;
    private int queues;

    private ProductionBenchmarks(BenchDatabases databases, String name) {
        this.databases = databases;
        this.emf = databases.emf(BenchDatabases.Db.POSTGRESQL);
        this.name = name;
    }

    /** The section's parts, each of which {@code --only} can name alone. */
    static final Set<String> PARTS = Set.of("busy", "big-table", "snapshot");

    /**
     * The section's rows, under PostgreSQL's current {@code synchronous_commit}, named by {@code name}: those of the
     * {@code parts} named ({@link #PARTS}: jobs that do work, a big table, a held snapshot).
     */
    static void section(Report report, BenchDatabases databases, String name, int runs, boolean quick,
                        Set<String> parts) throws Exception {
        ProductionBenchmarks bench = new ProductionBenchmarks(databases, name);
        try {
            if (parts.contains("busy")) {
                bench.busyJobs(report, quick ? 300 : 20_000, runs, quick);
            }
            if (parts.contains("big-table")) {
                bench.bigTable(report, quick ? 300 : 20_000, quick ? 3_000 : 2_000_000, runs);
            }
            if (parts.contains("snapshot")) {
                bench.heldSnapshot(report, quick ? 300 : 100_000, runs, quick);
            }
        } finally {
            bench.emf.close();
        }
    }

    private void busyJobs(Report report, int n, int runs, boolean quick) throws Exception {
        double ideal = BUSY_SLOTS * 1000.0 / WORK_MILLIS;
        drain(Math.min(n, 2000), BUSY_SLOTS, WORK_MILLIS);
        double[] rates = new double[runs];
        for (int i = 0; i < runs; i++) {
            databases.truncate(BenchDatabases.Db.POSTGRESQL);
            rates[i] = drain(n, BUSY_SLOTS, WORK_MILLIS);
        }
        double apiary = Benchmarks.median(rates);
        String what = name + "drain " + n + " jobs of " + WORK_MILLIS + " ms, " + BUSY_SLOTS + " slots, ";
        String idealName = "slot-bound ideal (" + BUSY_SLOTS + " / " + WORK_MILLIS + " ms)";
        report.add(new Report.Row(what + "defaults (concurrency(" + BUSY_SLOTS + "))", apiary, "jobs/s", idealName,
                ideal, ">= 0.85x", apiary >= 0.85 * ideal));
        if (!quick) {
            databases.truncate(BenchDatabases.Db.POSTGRESQL);
            try (var pool = Peers.pool(databases.url(BenchDatabases.Db.POSTGRESQL), BUSY_SLOTS + 8)) {
                Peers.dbScheduler(pool, Math.min(n, 2000), BUSY_SLOTS, WORK_MILLIS);
                Peers.Result peer = Peers.dbScheduler(pool, n, BUSY_SLOTS, WORK_MILLIS);
                report.add(new Report.Row(what + peer.name() + ": " + peer.settings() + ", pool of "
                        + (BUSY_SLOTS + 8), peer.rate(), "jobs/s", idealName, ideal, "-", true));
                report.add(new Report.Row(what + "Apiary with defaults against db-scheduler", apiary, "jobs/s",
                        peer.name(), peer.rate(), "-", true));
            }
        }
    }

    /**
     * The empty table and the one holding {@code finished} jobs are on two PostgreSQL servers with the same settings
     * on this machine, so that their drains run by turns (empty, full, empty, full...) and each pair gives a ratio:
     * drains of 20,000 jobs swing by a third from one to the next on a shared machine, and all of one kind then all
     * of the other measured the swing more than the table.
     */
    private void bigTable(Report report, int n, int finished, int runs) throws Exception {
        try (BenchDatabases other = new BenchDatabases()) {
            // before the unit opens its connections: the setting applies to sessions opened from then on
            other.synchronousCommit(databases.synchronousCommit());
            try (EntityManagerFactory otherEmf = other.emf(BenchDatabases.Db.POSTGRESQL)) {
                String queue = nextQueue();
                long fillStart = System.nanoTime();
                fillFinished(other, queue, finished);
                System.out.printf(Locale.ROOT, "%s%,d finished jobs written in %.1f s%n", name, finished,
                        (System.nanoTime() - fillStart) / 1e9);
                drain(databases, emf, nextQueue(), Math.min(n, 2000), JpaBenchmarks.THREADS, 0);
                drain(other, otherEmf, queue, Math.min(n, 2000), JpaBenchmarks.THREADS, 0);
                Pairs pairs = new Pairs(runs);
                for (int i = 0; i < runs; i++) {
                    databases.truncate(BenchDatabases.Db.POSTGRESQL);
                    double empty = drain(databases, emf, nextQueue(), n, JpaBenchmarks.THREADS, 0);
                    double full = drain(other, otherEmf, queue, n, JpaBenchmarks.THREADS, 0);
                    System.out.printf(Locale.ROOT, "%s%,d finished jobs in the table: %s%n", name, finished,
                            pairs.add(empty, full));
                }
                report.add(new Report.Row(String.format(Locale.ROOT, "%sdrain %d no-op jobs, %d slots, defaults, "
                                + "%,d finished jobs of the same queue in the table (median of %d pairs by turns; "
                                + "ratio: median of the pairs' ratios)", name, n, JpaBenchmarks.THREADS, finished,
                                runs), pairs.measured(), "jobs/s",
                        "the same drain on an empty table (the other server)", pairs.baseline(),
                        pairs.target(0.90), pairs.met(0.90)));
            }
        }
        databases.truncate(BenchDatabases.Db.POSTGRESQL);
    }

    /**
     * Drains with and without another session holding a snapshot, by turns ({@code runs} pairs, each pair's ratio
     * kept): single drains of each, one after the other, measured the machine as much as the snapshot (ratios above
     * 1 in earlier runs). The JDBC queue runs one pair beside them.
     */
    private void heldSnapshot(Report report, int n, int runs, boolean quick) throws Exception {
        Pairs pairs = new Pairs(runs);
        long deadFree = 0;
        long deadHeld = 0;
        for (int i = 0; i < runs; i++) {
            databases.truncate(BenchDatabases.Db.POSTGRESQL);
            double free = drain(n, JpaBenchmarks.THREADS, 0);
            deadFree = deadTuples(quick);
            databases.truncate(BenchDatabases.Db.POSTGRESQL);
            double held;
            try (Connection holder = databases.connect(BenchDatabases.Db.POSTGRESQL)) {
                hold(holder);
                held = drain(n, JpaBenchmarks.THREADS, 0);
                deadHeld = deadTuples(quick);
                holder.rollback();
            }
            System.out.printf(Locale.ROOT, "%sa snapshot held: %s (dead tuples %,d against %,d)%n", name,
                    pairs.add(free, held), deadHeld, deadFree);
        }
        databases.truncate(BenchDatabases.Db.POSTGRESQL);
        double freeJdbc = jdbcDrain(n);
        databases.truncate(BenchDatabases.Db.POSTGRESQL);
        double heldJdbc;
        try (Connection holder = databases.connect(BenchDatabases.Db.POSTGRESQL)) {
            hold(holder);
            heldJdbc = jdbcDrain(n);
            holder.rollback();
        }
        databases.truncate(BenchDatabases.Db.POSTGRESQL);
        String what = String.format(Locale.ROOT, "%sdrain %,d no-op jobs, %d slots, ", name, n, JpaBenchmarks.THREADS);
        report.add(new Report.Row(what + "defaults, another session holding a snapshot (REPEATABLE READ, idle) "
                + "the whole drain (median of " + runs + " pairs by turns): dead tuples " + deadHeld + " (" + deadFree
                + " without)", pairs.measured(), "jobs/s", "the same drain without it",
                pairs.baseline(), pairs.target(0.85), pairs.met(0.85)));
        report.add(new Report.Row(what + "JDBC queue (claims " + JpaBenchmarks.JDBC_BATCH + "), a snapshot held",
                heldJdbc, "jobs/s", "the JDBC queue without it", freeJdbc, "-", true));
    }

    /** Opens a transaction that takes a snapshot and keeps it, idle, as a forgotten session would. */
    private static void hold(Connection holder) throws SQLException {
        holder.setAutoCommit(false);
        holder.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (Statement s = holder.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
    }

    /** Dead tuples of the job table, once the statistics have caught up with the drain (not waited for if quick). */
    private long deadTuples(boolean quick) throws Exception {
        if (!quick) {
            Thread.sleep(1500);
        }
        try (Connection c = databases.connect(BenchDatabases.Db.POSTGRESQL); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'apiary_jobs'")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    private double jdbcDrain(int n) throws Exception {
        String queue = "jdbc-" + nextQueue();
        JdbcQueue jdbc = new JdbcQueue(databases, BenchDatabases.Db.POSTGRESQL);
        jdbc.enqueueBatched(queue, n, 1000);
        return jdbc.drain(queue, n, JpaBenchmarks.THREADS, JpaBenchmarks.JDBC_BATCH);
    }

    /** Writes {@code count} finished (DONE) jobs of {@code queue} in one statement, then vacuums and analyses. */
    private static void fillFinished(BenchDatabases db, String queue, int count) throws SQLException {
        try (Connection c = db.connect(BenchDatabases.Db.POSTGRESQL)) {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO apiary_jobs (id, queue, payload, "
                    + "payload_type, status, attempts, max_attempts, run_at, priority, enqueued_at, finished_at) "
                    + "SELECT 'done-' || g, ?, '{\"n\":0,\"pushedAt\":0}', ?, 'DONE', 1, 3, now(), 0, now(), now() "
                    + "FROM generate_series(1, ?) g")) {
                insert.setString(1, queue);
                insert.setString(2, Noop.class.getName());
                insert.setInt(3, count);
                insert.executeUpdate();
            }
            try (Statement s = c.createStatement()) {
                s.execute("VACUUM ANALYZE apiary_jobs");
            }
        }
    }

    /** Jobs of {@code queue} not yet settled, read through the partial indexes of pending and running jobs. */
    private static long unfinished(BenchDatabases db, String queue) {
        try (Connection c = db.connect(BenchDatabases.Db.POSTGRESQL);
             PreparedStatement s = c.prepareStatement("SELECT (SELECT COUNT(*) FROM apiary_jobs WHERE queue = ? "
                     + "AND status = 'PENDING') + (SELECT COUNT(*) FROM apiary_jobs WHERE queue = ? "
                     + "AND status = 'RUNNING')")) {
            s.setString(1, queue);
            s.setString(2, queue);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot count the unfinished jobs of " + queue, e);
        }
    }

    private String nextQueue() {
        return "production-" + (queues++);
    }

    private double drain(int n, int slots, int workMillis) throws InterruptedException {
        return drain(nextQueue(), n, slots, workMillis);
    }

    /**
     * Jobs per second: {@code n} jobs pushed to {@code queue}, then drained by one worker instance with {@code slots}
     * slots and otherwise the defaults, each job sleeping {@code workMillis}; the clock stops when the last outcome
     * is written.
     */
    private double drain(String queue, int n, int slots, int workMillis) throws InterruptedException {
        return drain(databases, emf, queue, n, slots, workMillis);
    }

    /** As {@link #drain(String, int, int, int)}, on the database of {@code db} through {@code unit}. */
    private static double drain(BenchDatabases db, EntityManagerFactory unit, String queue, int n, int slots,
                                int workMillis) throws InterruptedException {
        JpaJobStorage<Noop> storage = JpaJobStorage.builder(unit).queue(queue, Noop.class)
                .notifications(db.postgresDataSource()).build();
        JpaBenchmarks.pushAll(storage, n, 1000);
        CountDownLatch ran = new CountDownLatch(n);
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        monitor.register(WorkerBuilder.named("production").source(storage).concurrency(slots).handler(job -> {
            if (workMillis > 0) {
                Thread.sleep(workMillis);
            }
            ran.countDown();
            return Outcome.done();
        }));
        long start = System.nanoTime();
        monitor.start();
        InMemoryBenchmarks.await(ran, n);
        // not the storage's counts: on a table of millions of finished jobs they would load the drain they time
        while (unfinished(db, queue) > 0) {
            Thread.sleep(2);
        }
        long took = System.nanoTime() - start;
        monitor.stop();
        return n / (took / 1e9);
    }

    /**
     * Drains of two kinds run by turns, a baseline and a measured one per pair: medians of each kind, and the median
     * of the pairs' ratios, which the target is held to (a pair shares the machine's state of the moment).
     */
    private static final class Pairs {
        private final double[] baseline;
        private final double[] measured;
        private final double[] ratios;
        private int count;

        Pairs(int runs) {
            baseline = new double[runs];
            measured = new double[runs];
            ratios = new double[runs];
        }

        /** Records a pair; returns it as a line of the log. */
        String add(double base, double value) {
            baseline[count] = base;
            measured[count] = value;
            ratios[count] = value / base;
            count++;
            return String.format(Locale.ROOT, "pair %d, %,.0f against %,.0f jobs/s, %.2f", count, value, base,
                    ratios[count - 1]);
        }

        double baseline() {
            return Benchmarks.median(baseline);
        }

        double measured() {
            return Benchmarks.median(measured);
        }

        String target(double least) {
            return String.format(Locale.ROOT, ">= %.2fx (pairs: %.2f)", least, Benchmarks.median(ratios));
        }

        boolean met(double least) {
            return Benchmarks.median(ratios) >= least;
        }
    }
}
