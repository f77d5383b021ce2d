package dev.apiary.benchmarks;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.persistence.EntityManagerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * Queues spread over two PostgreSQL databases against the same queues on one, as an application splits them: one
 * persistence unit (and one {@code JpaJobStorage.builder}) per database, each queue's storage built on the unit of
 * the database it lives in. Four queues, one worker of 8 slots each, defaults otherwise; the first two queues are
 * always on the first database, the other two on a second unit that points at the same database or at a second
 * PostgreSQL server. Both layouts use two units (two connection pools), so that only the database behind the second
 * unit differs. Besides jobs per second the section prints the CPU time per job of the worker JVM and of the
 * PostgreSQL servers (their postmasters and backends, from {@code /proc}), and how busy the machine was: both servers
 * and the worker JVM share its cores, so a second database on one machine can at most relieve contention on one
 * server's locks, WAL and buffers; it adds no processor.
 */
final class MultiDatabaseBenchmarks {

    static final int QUEUES = 4;
    static final int SLOTS = JpaBenchmarks.THREADS;
    private static final BenchDatabases.Db PG = BenchDatabases.Db.POSTGRESQL;
    /** Linux's USER_HZ, the unit of {@code /proc} CPU times: 100 on every common architecture. */
    private static final long CLOCK_TICKS = 100;

    private final BenchDatabases first;
    private final BenchDatabases second;
    private final String name;
    private final EntityManagerFactory unitOnFirst;
    private final EntityManagerFactory otherUnitOnFirst;
    private final EntityManagerFactory unitOnSecond;
    private int drains;

    /** One drain's figures. */
    private record Result(double rate, double[] halfRates, double workerMicros, double postgresMicros,
                          double busy) {
    }

    private MultiDatabaseBenchmarks(BenchDatabases first, BenchDatabases second, String name) {
        this.first = first;
        this.second = second;
        this.name = name;
        this.unitOnFirst = first.emf(PG);
        this.otherUnitOnFirst = first.emf(PG);
        this.unitOnSecond = second.emf(PG);
    }

    /**
     * The section's rows, with both {@code synchronous_commit} settings (PostgreSQL's default only in the quick run);
     * starts the second PostgreSQL server and stops it at the end.
     */
    static void section(Report report, BenchDatabases databases, int n, int runs, boolean quick) throws Exception {
        try (BenchDatabases second = new BenchDatabases()) {
            second.url(PG);
            System.out.printf(Locale.ROOT, "Databases: two PostgreSQL servers (fsync on, max_connections 200) on the"
                    + " same %d cores as the worker JVM; in both layouts two persistence units (Hibernate's pool of 20"
                    + " each), LISTEN on each queue's database, a worker of %d slots per queue, nothing else set; load"
                    + " average before: %s%n", Runtime.getRuntime().availableProcessors(), SLOTS, loadAverage());
            for (boolean synchronousCommit : quick ? new boolean[] {true} : new boolean[] {false, true}) {
                databases.synchronousCommit(synchronousCommit);
                second.synchronousCommit(synchronousCommit);
                MultiDatabaseBenchmarks bench = new MultiDatabaseBenchmarks(databases, second,
                        "PostgreSQL, synchronous_commit=" + (synchronousCommit ? "on (default)" : "off") + ": ");
                try {
                    bench.rows(report, n, runs);
                } finally {
                    bench.close();
                }
            }
            System.out.printf(Locale.ROOT, "Databases: load average after: %s%n", loadAverage());
        }
    }

    private void rows(Report report, int n, int runs) throws Exception {
        // warm-ups long enough for the JIT: with 4,000 jobs each, the first measured pair still ran at 0.6 of the rest
        drain(Math.min(n, 12_000), false);
        drain(Math.min(n, 12_000), true);
        Result[] one = new Result[runs];
        Result[] two = new Result[runs];
        for (int i = 0; i < runs; i++) {
            // alternate, so that drift on a shared machine hits both layouts alike
            one[i] = drain(n, false);
            two[i] = drain(n, true);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        String what = String.format(Locale.ROOT, "%sdrain %,d no-op jobs over %d queues (a worker of %d slots each,"
                + " defaults), ", name, n, QUEUES, SLOTS);
        String oneDb = "all on 1 database";
        double r1 = median(one, Result::rate);
        double r2 = median(two, Result::rate);
        report.add(new Report.Row(what + oneDb, r1, "jobs/s", "-", Double.NaN, "-", true));
        report.add(new Report.Row(what + "queues 1-2 on one database, 3-4 on a second (2 PostgreSQL servers on the"
                + " same " + cores + " cores: relief of one server's contention, no added CPU)", r2, "jobs/s", oneDb,
                r1, "-", true));
        for (int half = 0; half < 2; half++) {
            int h = half;
            report.add(new Report.Row(String.format(Locale.ROOT, "%s2 databases: the %s database's %,d jobs"
                            + " (queues %s) to its last done", name, h == 0 ? "first" : "second", share(n, h),
                    h == 0 ? "1-2" : "3-4"), median(two, r -> r.halfRates()[h]), "jobs/s",
                    "queues " + (h == 0 ? "1-2" : "3-4") + ", " + oneDb, median(one, r -> r.halfRates()[h]), "-",
                    true));
        }
        report.add(new Report.Row(name + "2 databases: worker JVM CPU time per job", median(two,
                Result::workerMicros), "us", oneDb, median(one, Result::workerMicros), "-", true));
        report.add(new Report.Row(name + "2 databases: PostgreSQL CPU time per job (both servers)", median(two,
                Result::postgresMicros), "us", oneDb, median(one, Result::postgresMicros), "-", true));
        report.add(new Report.Row(name + "2 databases: machine busy during the drain (share of " + cores
                + " cores)", median(two, Result::busy), "%", oneDb, median(one, Result::busy), "-", true));
    }

    /**
     * Pushes {@code n} no-op jobs spread over {@value #QUEUES} queues, then drains them with one worker per queue;
     * the clock stops when the last outcome of each database's queues is written.
     */
    private Result drain(int n, boolean twoDatabases) throws Exception {
        first.truncate(PG);
        second.truncate(PG);
        BenchDatabases secondDb = twoDatabases ? second : first;
        EntityManagerFactory secondUnit = twoDatabases ? unitOnSecond : otherUnitOnFirst;
        int run = drains++;
        List<List<JpaJobStorage<Noop>>> halves = List.of(new ArrayList<>(), new ArrayList<>());
        CountDownLatch[] ran = {new CountDownLatch(share(n, 0)), new CountDownLatch(share(n, 1))};
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        for (int q = 0; q < QUEUES; q++) {
            int half = q < QUEUES / 2 ? 0 : 1;
            EntityManagerFactory unit = half == 0 ? unitOnFirst : secondUnit;
            DataSource dataSource = (half == 0 ? first : secondDb).postgresDataSource();
            JpaJobStorage<Noop> storage = JpaJobStorage.builder(unit)
                    .queue("spread-" + run + "-" + (q + 1), Noop.class)
                    .notifications(dataSource)
                    .build();
            halves.get(half).add(storage);
            JpaBenchmarks.pushAll(storage, queueShare(n, q), 1000);
            CountDownLatch latch = ran[half];
            monitor.register(WorkerBuilder.named("spread-" + (q + 1)).source(storage).concurrency(SLOTS)
                    .handler(job -> {
                        latch.countDown();
                        return Outcome.done();
                    }));
        }
        List<Long> postmasters = postmasters();
        long worker = Benchmarks.processCpuNanos();
        long postgres = postgresCpuNanos(postmasters);
        long[] machine = machineTicks();
        long start = System.nanoTime();
        long[] finished = {-1, -1};
        long workerCpu;
        long postgresCpu;
        double busy;
        try {
            monitor.start();
            while (finished[0] < 0 || finished[1] < 0) {
                for (int h = 0; h < 2; h++) {
                    if (finished[h] < 0 && ran[h].getCount() == 0 && done(halves.get(h)) >= share(n, h)) {
                        finished[h] = System.nanoTime() - start;
                    }
                }
                if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
                    throw new IllegalStateException("Only " + (n - ran[0].getCount() - ran[1].getCount()) + " of "
                            + n + " jobs ran in 10 min");
                }
                Thread.sleep(1);
            }
            workerCpu = Benchmarks.processCpuNanos() - worker;
            postgresCpu = postgresCpuNanos(postmasters) - postgres;
            busy = busyPercent(machine, machineTicks());
        } finally {
            monitor.stop();
            halves.forEach(h -> h.forEach(JpaJobStorage::close));
        }
        long took = Math.max(finished[0], finished[1]);
        Result result = new Result(n / (took / 1e9),
                new double[] {share(n, 0) / (finished[0] / 1e9), share(n, 1) / (finished[1] / 1e9)},
                workerCpu / 1e3 / n, postgres < 0 ? Double.NaN : postgresCpu / 1e3 / n, busy);
        System.out.printf(Locale.ROOT, "%s%s: %,.0f jobs/s (queues 1-2 %,.0f, 3-4 %,.0f), worker JVM %.0f us/job,"
                        + " PostgreSQL %.0f us/job, machine busy %.0f %%, load average %s%n", name,
                twoDatabases ? "2 databases" : "1 database", result.rate(), result.halfRates()[0],
                result.halfRates()[1], result.workerMicros(), result.postgresMicros(), result.busy(), loadAverage());
        return result;
    }

    /** Jobs of half {@code h} (queues 1-2 or 3-4). */
    private static int share(int n, int h) {
        return h == 0 ? queueShare(n, 0) + queueShare(n, 1) : queueShare(n, 2) + queueShare(n, 3);
    }

    /** Jobs of queue {@code q}: an equal share, the first queues taking the remainder. */
    private static int queueShare(int n, int q) {
        return n / QUEUES + (q < n % QUEUES ? 1 : 0);
    }

    private static long done(List<JpaJobStorage<Noop>> storages) {
        long done = 0;
        for (JpaJobStorage<Noop> storage : storages) {
            done += storage.counts().getOrDefault(JobStatus.DONE, 0L);
        }
        return done;
    }

    private static double median(Result[] results, java.util.function.ToDoubleFunction<Result> figure) {
        return Benchmarks.median(Stream.of(results).mapToDouble(figure).toArray());
    }

    /** The postmaster of each running server: the parent of a backend, which tells its own process id. */
    private List<Long> postmasters() throws SQLException {
        List<Long> pids = new ArrayList<>();
        for (BenchDatabases db : new BenchDatabases[] {first, second}) {
            try (Connection c = db.connect(PG); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                long parent = parent(rs.getLong(1));
                if (parent < 0) {
                    return List.of();
                }
                pids.add(parent);
            }
        }
        return pids;
    }

    private static long parent(long pid) {
        String[] fields = stat(pid);
        return fields == null ? -1 : Long.parseLong(fields[1]);
    }

    /**
     * CPU time of the servers in ns: each postmaster's own and that of its ended children (which it waits for), plus
     * that of its live children, the backends and background workers; -1 without {@code /proc}.
     */
    private static long postgresCpuNanos(List<Long> postmasters) {
        if (postmasters.isEmpty()) {
            return -1;
        }
        long ticks = 0;
        for (long postmaster : postmasters) {
            String[] own = stat(postmaster);
            if (own == null) {
                return -1;
            }
            ticks += ticks(own);
        }
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) processes::iterator) {
                String pid = p.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String[] fields = stat(Long.parseLong(pid));
                if (fields != null && postmasters.contains(Long.parseLong(fields[1]))) {
                    ticks += ticks(fields);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks * 1_000_000_000L / CLOCK_TICKS;
    }

    /** utime + stime + cutime + cstime, fields 14 to 17 of {@code /proc/<pid>/stat}. */
    private static long ticks(String[] fields) {
        // fields[0] is the state (field 3): the split starts after the command's closing parenthesis
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                + Long.parseLong(fields[14]);
    }

    /** The fields of {@code /proc/<pid>/stat} after the command name (which may hold spaces), or null. */
    private static String[] stat(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Busy and total ticks of all cores, from the first line of {@code /proc/stat}; zeros without it. */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    private static double busyPercent(long[] before, long[] after) {
        long total = after[1] - before[1];
        return total <= 0 ? Double.NaN : 100.0 * (after[0] - before[0]) / total;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private void close() {
        unitOnFirst.close();
        otherUnitOnFirst.close();
        unitOnSecond.close();
    }
}
