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
 * <p>Arguments (all optional): {@code --jobs=N} jobs per drain (default 1,000,000 in memory),
 * {@code --runs=R} measured runs per figure (default 5), {@code --only=memory,latency} sections,
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
        Set<String> only = Set.of(options.getOrDefault("only", "memory,latency").split(","));
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
        return report;
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
