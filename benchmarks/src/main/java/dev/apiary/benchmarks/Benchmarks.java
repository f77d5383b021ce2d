package dev.apiary.benchmarks;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs the end-to-end benchmarks and prints one table: every figure beside its baseline from the same run and the
 * ratio, since absolute figures drift on shared machines. Each throughput figure is the median of several runs after
 * a warm-up.
 *
 * <p>Arguments (all optional): {@code --jobs=N} jobs per in-memory drain (default 1,000,000),
 * {@code --db-jobs=N} jobs per database drain (default 20,000), {@code --runs=R} measured runs per figure (default
 * 5 in memory, 3 on databases), {@code --jms-jobs=N} messages per JMS drain (default 20,000),
 * {@code --only=memory,latency,jms,postgresql,h2,scale} sections (default all),
 * {@code --quick} tiny sizes for the smoke test.
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
        Set<String> only = Set.of(options.getOrDefault("only", "memory,latency,jms,postgresql,h2,scale").split(","));
        Report report = new Report();
        System.out.printf(Locale.ROOT, "Apiary benchmarks on %d cores, Java %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        if (only.contains("memory")) {
            InMemoryBenchmarks.drainRate(Math.min(memoryJobs, 100_000));
            InMemoryBenchmarks.plainPoolRate(Math.min(memoryJobs, 100_000));
            double[] apiary = new double[runs];
            double[] plain = new double[runs];
            for (int i = 0; i < runs; i++) {
                // alternate so that drift on a shared machine hits both alike
                plain[i] = InMemoryBenchmarks.plainPoolRate(memoryJobs);
                apiary[i] = InMemoryBenchmarks.drainRate(memoryJobs);
            }
            double a = median(apiary);
            double p = median(plain);
            report.add(new Report.Row("in-memory drain, " + InMemoryBenchmarks.SLOTS + " slots, prefetch " + InMemoryBenchmarks.PREFETCH + ", " + memoryJobs
                    + " no-op jobs", a, "jobs/s", "ThreadPoolExecutor, 8 threads", p,
                    ">= 1,000,000/s and >= 0.25x", a >= 1_000_000 && a >= 0.25 * p));
        }
        if (only.contains("latency")) {
            double[] millis = InMemoryBenchmarks.latencies(latencyJobs);
            Arrays.sort(millis);
            report.add(new Report.Row("in-memory latency push->start p50, idle workers", percentile(millis, 50),
                    "ms", "-", Double.NaN, "-", true));
            double p99 = percentile(millis, 99);
            report.add(new Report.Row("in-memory latency push->start p99, idle workers", p99, "ms", "-", Double.NaN,
                    "< 50 ms", p99 < 50));
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
            for (BenchDatabases.Db db : BenchDatabases.Db.values()) {
                if (only.contains(db.name().toLowerCase(Locale.ROOT))) {
                    databaseSection(report, databases, db, dbJobs, dbRuns, quick ? 20 : latencyJobs, quick);
                }
            }
            if (only.contains("scale")) {
                scaleSection(report, databases, dbJobs, quick);
            }
        }
        return report;
    }

    private static void databaseSection(Report report, BenchDatabases databases, BenchDatabases.Db db, int n,
                                        int runs, int latencyJobs, boolean quick) throws Exception {
        String name = db == BenchDatabases.Db.POSTGRESQL ? "PostgreSQL" : "H2";
        boolean pg = db == BenchDatabases.Db.POSTGRESQL;
        try (JpaBenchmarks jpa = new JpaBenchmarks(databases, db)) {
            int single = quick ? 50 : 2000;
            jpa.enqueueOneByOne(Math.min(single, 200));
            jpa.jdbcEnqueueOneByOne(Math.min(single, 200));
            double one = jpa.enqueueOneByOne(single);
            double oneJdbc = jpa.jdbcEnqueueOneByOne(single);
            report.add(new Report.Row(name + " enqueue one at a time (" + single + ")", one, "jobs/s",
                    pg ? "JDBC insert + NOTIFY per job" : "JDBC insert per job", oneJdbc, "-", true));

            double[] batch = new double[runs];
            double[] batchJdbc = new double[runs];
            double[] drain = new double[runs];
            double[] drainJdbc = new double[runs];
            jpa.drain(Math.min(n, 2000));
            jpa.jdbcDrain(Math.min(n, 2000));
            for (int i = 0; i < runs; i++) {
                databases.truncate(db);
                batchJdbc[i] = jpa.jdbcEnqueueBatched(n, 1000);
                batch[i] = jpa.enqueueBatched(n, 1000);
                databases.truncate(db);
                drainJdbc[i] = jpa.jdbcDrain(n);
                databases.truncate(db);
                drain[i] = jpa.drain(n);
            }
            double b = median(batch);
            report.add(new Report.Row(name + " batch enqueue (" + n + " in batches of 1000)", b, "jobs/s",
                    "JDBC batch insert", median(batchJdbc), pg ? ">= 50,000/s" : "-", !pg || b >= 50_000));
            double d = median(drain);
            double dj = median(drainJdbc);
            report.add(new Report.Row(name + " drain " + n + " no-op jobs, " + JpaBenchmarks.THREADS + " threads",
                    d, "jobs/s", "JDBC claim/mark-done queue", dj, pg ? ">= 15,000/s and >= 0.40x" : "-",
                    !pg || (d >= 15_000 && d >= 0.4 * dj)));
            if (pg) {
                databases.truncate(db);
                double[] millis = jpa.latencies(latencyJobs);
                Arrays.sort(millis);
                report.add(new Report.Row("PostgreSQL latency push->start p50, idle workers", percentile(millis, 50),
                        "ms", "-", Double.NaN, "-", true));
                double p99 = percentile(millis, 99);
                report.add(new Report.Row("PostgreSQL latency push->start p99, idle workers", p99, "ms", "-",
                        Double.NaN, "< 50 ms", p99 < 50));
            }
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
                report.add(new Report.Row("PostgreSQL drain " + n + " jobs, " + nodes + " worker process(es) x "
                        + JpaBenchmarks.THREADS + " slots", rate, "jobs/s", nodes == 1 ? "-" : "1 process", 
                        nodes == 1 ? Double.NaN : oneNode, "-", true));
            }
            emf.close();
        }
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
