package dev.apiary.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs the end-to-end benchmarks and prints one table: every figure beside its baseline from the same run and the
 * ratio, since absolute figures drift on shared machines. Each throughput figure is the median of several runs after
 * a warm-up.
 *
 * <p>Arguments (all optional): {@code --jobs=N} jobs per in-memory drain (default 1,000,000),
 * {@code --db-jobs=N} jobs per database drain (default 20,000), {@code --peer-jobs=N} jobs per peer drain (default:
 * as {@code --db-jobs}), {@code --scale-jobs=N} jobs per multi-process drain (default 100,000), {@code --jms-jobs=N}
 * messages per JMS drain (default 20,000), {@code --flow-jobs=N} jobs of the batch fan-in (default 10,000),
 * {@code --databases-jobs=N} jobs per drain over one and two databases (default 40,000), {@code --runs=R} measured
 * runs per figure (default 5 in memory, 3 on databases; peers run once),
 * {@code --only=memory,latency,jms,postgresql,peers,production,limits,h2,scale,flows,telemetry,databases} sections
 * (default all; {@code busy}, {@code big-table} and {@code snapshot} run one part of {@code production}), {@code --quick} tiny sizes for the smoke
 * test. The PostgreSQL sections run twice: with {@code synchronous_commit=off} and with PostgreSQL's default.
 */
public final class Benchmarks {

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        Report report = run(parse(args));
        report.print(System.out);
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (arg.isBlank()) {
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("Unknown argument '" + arg + "'; expected --name=value");
            }
            int eq = arg.indexOf('=');
            options.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "true" : arg.substring(eq + 1));
        }
        return options;
    }

    static Report run(Map<String, String> options) throws Exception {
        boolean quick = options.containsKey("quick");
        int memoryJobs = Integer.parseInt(options.getOrDefault("jobs", quick ? "2000" : "1000000"));
        int runs = Integer.parseInt(options.getOrDefault("runs", quick ? "1" : "5"));
        int latencyJobs = quick ? 50 : 1000;
        int dbJobs = Integer.parseInt(options.getOrDefault("db-jobs", quick ? "300" : "20000"));
        int dbRuns = Integer.parseInt(options.getOrDefault("runs", quick ? "1" : "3"));
        int peerJobs = Integer.parseInt(options.getOrDefault("peer-jobs", quick ? "50" : String.valueOf(dbJobs)));
        int scaleJobs = Integer.parseInt(options.getOrDefault("scale-jobs", quick ? "300" : "100000"));
        Set<String> only = Set.of(options.getOrDefault("only",
                "memory,latency,jms,postgresql,peers,production,limits,h2,scale,flows,telemetry,databases")
                .split(","));
        Report report = new Report();
        System.out.printf(Locale.ROOT, "Apiary benchmarks on %d cores, Java %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        if (only.contains("memory")) {
            memorySection(report, memoryJobs, runs);
        }
        if (only.contains("latency")) {
            double[] millis = InMemoryBenchmarks.latencies(latencyJobs);
            Arrays.sort(millis);
            report.add(new Report.Row("in-memory latency push->start p50, idle workers, defaults",
                    percentile(millis, 50), "ms", "-", Double.NaN, "-", true));
            double p99 = percentile(millis, 99);
            report.add(new Report.Row("in-memory latency push->start p99, idle workers, defaults", p99, "ms", "-",
                    Double.NaN, "< 50 ms", p99 < 50));
        }
        if (only.contains("jms")) {
            int jmsJobs = Integer.parseInt(options.getOrDefault("jms-jobs", quick ? "300" : "20000"));
            try (JmsBenchmarks jms = new JmsBenchmarks()) {
                jms.apiaryDrain(Math.min(jmsJobs, 2000));
                jms.plainDrain(Math.min(jmsJobs, 2000));
                double[] apiary = new double[dbRuns];
                double[] plain = new double[dbRuns];
                for (int i = 0; i < dbRuns; i++) {
                    plain[i] = jms.plainDrain(jmsJobs);
                    apiary[i] = jms.apiaryDrain(jmsJobs);
                }
                report.add(new Report.Row("JMS drain " + jmsJobs + " messages, embedded Artemis (in-VM), "
                        + JmsBenchmarks.SLOTS + " slots", median(apiary), "msgs/s", JmsBenchmarks.SLOTS
                        + " transacted consumers, commit per message", median(plain), "-", true));
            }
        }
        try (BenchDatabases databases = new BenchDatabases()) {
            if (only.contains("postgresql") || only.contains("peers")) {
                for (boolean synchronousCommit : new boolean[] {false, true}) {
                    databases.synchronousCommit(synchronousCommit);
                    postgresSection(report, databases, synchronousCommit, only, dbJobs, dbRuns, peerJobs,
                            quick ? 20 : latencyJobs, quick);
                }
            }
            Set<String> production = only.contains("production") ? ProductionBenchmarks.PARTS
                    : only.stream().filter(ProductionBenchmarks.PARTS::contains).collect(Collectors.toSet());
            if (!production.isEmpty()) {
                // the smoke test runs it once, with PostgreSQL's default durability
                for (boolean synchronousCommit : quick ? new boolean[] {true} : new boolean[] {false, true}) {
                    databases.synchronousCommit(synchronousCommit);
                    ProductionBenchmarks.section(report, databases, "PostgreSQL, synchronous_commit="
                            + (synchronousCommit ? "on (default)" : "off") + ": ", dbRuns, quick, production);
                }
            }
            if (only.contains("h2")) {
                h2Section(report, databases, dbJobs, dbRuns, quick);
            }
            if (only.contains("limits")) {
                // --only=limits: queue limits against none, with PostgreSQL's default durability, as users run
                databases.synchronousCommit(true);
                LimitsBenchmarks.section(report, databases, "PostgreSQL, synchronous_commit=on (default): ", dbJobs,
                        dbRuns);
            }
            if (only.contains("scale")) {
                // what users run: PostgreSQL's default durability
                databases.synchronousCommit(true);
                scaleSection(report, databases, scaleJobs, quick);
            }
            if (only.contains("flows")) {
                int flowJobs = Integer.parseInt(options.getOrDefault("flow-jobs", quick ? "300" : "10000"));
                FlowBenchmarks.section(report, databases, flowJobs, dbRuns);
            }
            if (only.contains("telemetry")) {
                TelemetryBenchmarks.section(report, databases, memoryJobs, runs, dbJobs, dbRuns);
            }
            if (only.contains("databases")) {
                int spreadJobs = Integer.parseInt(options.getOrDefault("databases-jobs", quick ? "400" : "40000"));
                MultiDatabaseBenchmarks.section(report, databases, spreadJobs, dbRuns, quick);
            }
        }
        return report;
    }

    private static void memorySection(Report report, int memoryJobs, int runs) throws InterruptedException {
        InMemoryBenchmarks.drainRate(Math.min(memoryJobs, 100_000), -1);
        InMemoryBenchmarks.drainRate(Math.min(memoryJobs, 100_000), InMemoryBenchmarks.PREFETCH);
        InMemoryBenchmarks.plainPoolRate(Math.min(memoryJobs, 100_000));
        double[] apiary = new double[runs];
        double[] tuned = new double[runs];
        double[] plain = new double[runs];
        for (int i = 0; i < runs; i++) {
            // alternate so that drift on a shared machine hits all alike
            plain[i] = InMemoryBenchmarks.plainPoolRate(memoryJobs);
            apiary[i] = InMemoryBenchmarks.drainRate(memoryJobs, -1);
            tuned[i] = InMemoryBenchmarks.drainRate(memoryJobs, InMemoryBenchmarks.PREFETCH);
        }
        double a = median(apiary);
        double p = median(plain);
        String what = "in-memory drain " + String.format(Locale.ROOT, "%,d", memoryJobs) + " no-op jobs, "
                + InMemoryBenchmarks.SLOTS + " slots, ";
        report.add(new Report.Row(what + "defaults", a, "jobs/s", "ThreadPoolExecutor, " + InMemoryBenchmarks.SLOTS
                + " threads", p, ">= 1,000,000/s and >= 0.25x", a >= 1_000_000 && a >= 0.25 * p));
        report.add(new Report.Row(what + "tuned: prefetch(" + InMemoryBenchmarks.PREFETCH + ")", median(tuned),
                "jobs/s", "ThreadPoolExecutor, " + InMemoryBenchmarks.SLOTS + " threads", p, "-", true));
    }

    private static void postgresSection(Report report, BenchDatabases databases, boolean synchronousCommit,
                                        Set<String> only, int n, int runs, int peerJobs, int latencyJobs,
                                        boolean quick) throws Exception {
        BenchDatabases.Db db = BenchDatabases.Db.POSTGRESQL;
        String name = "PostgreSQL, synchronous_commit=" + (synchronousCommit ? "on (default)" : "off") + ": ";
        System.out.println(name + "measuring");
        String jdbcQueue = "JDBC queue, " + JpaBenchmarks.THREADS + " threads, claims " + JpaBenchmarks.JDBC_BATCH;
        double drainDefaults = Double.NaN;
        double drainJdbc = Double.NaN;
        if (only.contains("postgresql")) {
            try (JpaBenchmarks jpa = new JpaBenchmarks(databases, db)) {
                int single = quick ? 50 : 2000;
                jpa.enqueueOneByOne(Math.min(single, 200));
                jpa.jdbcEnqueueOneByOne(Math.min(single, 200));
                double[] one = new double[runs];
                double[] oneJdbc = new double[runs];
                double[] batch = new double[runs];
                double[] batchJdbc = new double[runs];
                double[] drain = new double[runs];
                double[] tuned = new double[runs];
                double[] jdbc = new double[runs];
                double[] drainCpu = new double[runs];
                double[] jdbcCpu = new double[runs];
                jpa.drain(Math.min(n, 2000), JpaBenchmarks.Tuning.DEFAULTS);
                jpa.drain(Math.min(n, 2000), JpaBenchmarks.Tuning.PREFETCH_120);
                jpa.jdbcDrain(Math.min(n, 2000));
                for (int i = 0; i < runs; i++) {
                    databases.truncate(db);
                    oneJdbc[i] = jpa.jdbcEnqueueOneByOne(single);
                    one[i] = jpa.enqueueOneByOne(single);
                    batchJdbc[i] = jpa.jdbcEnqueueBatched(n, 1000);
                    batch[i] = jpa.enqueueBatched(n, 1000);
                    databases.truncate(db);
                    jdbc[i] = jpa.jdbcDrain(n);
                    jdbcCpu[i] = jpa.lastCpuMicros();
                    databases.truncate(db);
                    drain[i] = jpa.drain(n, JpaBenchmarks.Tuning.DEFAULTS);
                    drainCpu[i] = jpa.lastCpuMicros();
                    databases.truncate(db);
                    tuned[i] = jpa.drain(n, JpaBenchmarks.Tuning.PREFETCH_120);
                }
                double o = median(one);
                double oj = median(oneJdbc);
                report.add(new Report.Row(name + "enqueue one job per transaction (" + single + ")", o, "jobs/s",
                        "JDBC insert + NOTIFY, commit", oj, ">= 0.50x", o >= 0.5 * oj));
                report.add(new Report.Row(name + "batch enqueue (" + n + " in batches of 1000)", median(batch),
                        "jobs/s", "JDBC batch insert", median(batchJdbc), "-", true));
                drainDefaults = median(drain);
                drainJdbc = median(jdbc);
                String what = name + "drain " + n + " no-op jobs, " + JpaBenchmarks.THREADS + " slots, ";
                report.add(new Report.Row(what + "defaults", drainDefaults, "jobs/s", jdbcQueue, drainJdbc,
                        ">= 0.40x", drainDefaults >= 0.4 * drainJdbc));
                report.add(new Report.Row(what + "tuned: " + JpaBenchmarks.Tuning.PREFETCH_120.settings(),
                        median(tuned), "jobs/s", jdbcQueue, drainJdbc, "-", true));
                double cpu = median(drainCpu);
                report.add(new Report.Row(what + "defaults: CPU time per job in the worker JVM", cpu, "us",
                        jdbcQueue, median(jdbcCpu), "<= 60 us", cpu <= 60));

                databases.truncate(db);
                double[] millis = jpa.latencies(latencyJobs);
                Arrays.sort(millis);
                report.add(new Report.Row(name + "latency push->start p50, idle workers (LISTEN/NOTIFY)",
                        percentile(millis, 50), "ms", "-", Double.NaN, "-", true));
                double p99 = percentile(millis, 99);
                report.add(new Report.Row(name + "latency push->start p99, idle workers (LISTEN/NOTIFY)", p99, "ms",
                        "-", Double.NaN, "< 50 ms", p99 < 50));

                databases.truncate(db);
                double[] awaited = jpa.pushThenAwait(latencyJobs);
                Arrays.sort(awaited);
                report.add(new Report.Row(name + "push then await one job's result p50, idle workers (NOTIFY on "
                        + "completion)", percentile(awaited, 50), "ms", "-", Double.NaN, "-", true));
                double awaitedP99 = percentile(awaited, 99);
                report.add(new Report.Row(name + "push then await one job's result p99, idle workers (NOTIFY on "
                        + "completion)", awaitedP99, "ms", "-", Double.NaN, "< 50 ms", awaitedP99 < 50));
            }
        }
        // the smoke test starts each peer once: its figures are not judged, and each start costs seconds
        if (only.contains("peers") && !(quick && synchronousCommit)) {
            peerRows(report, databases, name, peerJobs, drainDefaults, drainJdbc, jdbcQueue, !quick);
        }
    }

    /** Each peer's drain beside the JDBC baseline, and Apiary's (with defaults) beside the best of them. */
    private static void peerRows(Report report, BenchDatabases databases, String name, int n, double apiary,
                                 double jdbc, String jdbcQueue, boolean warmUp) throws Exception {
        List<Peers.Result> results = new ArrayList<>();
        int warm = Math.min(n, 1000);
        try (var pool = Peers.pool(databases.url(BenchDatabases.Db.POSTGRESQL), 2 * JpaBenchmarks.THREADS)) {
            // each after a warm-up of its own, as Apiary's drains
            if (warmUp) {
                Peers.dbScheduler(pool, warm);
            }
            results.add(printed(name, Peers.dbScheduler(pool, n)));
            if (warmUp) {
                Peers.jobRunr(pool, warm);
            }
            results.add(printed(name, Peers.jobRunr(pool, n)));
            if (warmUp) {
                Peers.quartz(pool, warm);
            }
            results.add(printed(name, Peers.quartz(pool, n)));
        }
        Peers.Result best = results.get(0);
        for (Peers.Result r : results) {
            report.add(new Report.Row(name + "drain " + n + " no-op jobs, " + r.name() + ": " + r.settings(),
                    r.rate(), "jobs/s", jdbcQueue, jdbc, "-", true));
            if (r.rate() > best.rate()) {
                best = r;
            }
        }
        if (!Double.isNaN(apiary)) {
            report.add(new Report.Row(name + "drain, Apiary with defaults against the best peer", apiary, "jobs/s",
                    "best peer: " + best.name(), best.rate(), ">= 2x", apiary >= 2 * best.rate()));
        }
    }

    /** A peer's figure, printed at once (its row follows with the others). */
    private static Peers.Result printed(String name, Peers.Result result) {
        System.out.printf(Locale.ROOT, "%s%s (%s): %,.0f jobs/s%n", name, result.name(), result.settings(),
                result.rate());
        return result;
    }

    private static void h2Section(Report report, BenchDatabases databases, int n, int runs, boolean quick)
            throws Exception {
        BenchDatabases.Db db = BenchDatabases.Db.H2;
        try (JpaBenchmarks jpa = new JpaBenchmarks(databases, db)) {
            int single = quick ? 50 : 2000;
            jpa.enqueueOneByOne(Math.min(single, 200));
            jpa.jdbcEnqueueOneByOne(Math.min(single, 200));
            double one = jpa.enqueueOneByOne(single);
            double oneJdbc = jpa.jdbcEnqueueOneByOne(single);
            report.add(new Report.Row("H2 (in memory): enqueue one job per transaction (" + single + ")", one,
                    "jobs/s", "JDBC insert per job", oneJdbc, "-", true));
            double[] batch = new double[runs];
            double[] batchJdbc = new double[runs];
            double[] drain = new double[runs];
            double[] drainJdbc = new double[runs];
            jpa.drain(Math.min(n, 2000), JpaBenchmarks.Tuning.DEFAULTS);
            jpa.jdbcDrain(Math.min(n, 2000));
            for (int i = 0; i < runs; i++) {
                databases.truncate(db);
                batchJdbc[i] = jpa.jdbcEnqueueBatched(n, 1000);
                batch[i] = jpa.enqueueBatched(n, 1000);
                databases.truncate(db);
                drainJdbc[i] = jpa.jdbcDrain(n);
                databases.truncate(db);
                drain[i] = jpa.drain(n, JpaBenchmarks.Tuning.DEFAULTS);
            }
            report.add(new Report.Row("H2 (in memory): batch enqueue (" + n + " in batches of 1000)", median(batch),
                    "jobs/s", "JDBC batch insert", median(batchJdbc), "-", true));
            report.add(new Report.Row("H2 (in memory): drain " + n + " no-op jobs, " + JpaBenchmarks.THREADS
                    + " slots, defaults", median(drain), "jobs/s", "JDBC queue, " + JpaBenchmarks.THREADS
                    + " threads, claims " + JpaBenchmarks.JDBC_BATCH, median(drainJdbc), "-", true));
        }
    }

    private static void scaleSection(Report report, BenchDatabases databases, int n, boolean quick) throws Exception {
        try (JpaBenchmarks ignored = new JpaBenchmarks(databases, BenchDatabases.Db.POSTGRESQL)) {
            var emf = databases.emf(BenchDatabases.Db.POSTGRESQL);
            double oneNode = Double.NaN;
            for (int nodes : quick ? new int[] {1} : new int[] {1, 2, 4}) {
                databases.truncate(BenchDatabases.Db.POSTGRESQL);
                double rate = ScaleBenchmark.drainWithNodes(databases, emf, nodes, n, "scale-" + nodes);
                if (nodes == 1) {
                    oneNode = rate;
                }
                report.add(new Report.Row("PostgreSQL, synchronous_commit=on (default): drain " + n + " jobs, "
                        + nodes + " worker process(es) x " + JpaBenchmarks.THREADS + " slots, defaults", rate,
                        "jobs/s", nodes == 1 ? "-" : "1 process", nodes == 1 ? Double.NaN : oneNode,
                        nodes == 4 ? ">= 0.75x" : "-", nodes != 4 || rate >= 0.75 * oneNode));
            }
            emf.close();
        }
    }

    /** CPU time of the whole JVM: unlike wall-clock time, not stretched by other processes on a shared machine. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static double percentile(double[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
