package dev.apiary.benchmarks;

import dev.apiary.JobContext;
import dev.apiary.Outcome;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.worker.Monitor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;

/**
 * The drains with tracing and metrics on (a real OpenTelemetry SDK: every span sampled and handed to a batch
 * processor, every metric aggregated and read every 10 s, as a server's MicroProfile Telemetry would) against the
 * same drains with telemetry off. The exporters count and discard: the network to a collector is not Apiary's cost.
 */
final class TelemetryBenchmarks {

    private TelemetryBenchmarks() {
    }

    /** A fresh SDK for one run; close it after. */
    static OpenTelemetrySdk sdk(LongAdder exportedSpans) {
        SpanExporter spans = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> batch) {
                exportedSpans.add(batch.size());
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        MetricExporter metrics = new MetricExporter() {
            @Override
            public CompletableResultCode export(Collection<MetricData> data) {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType type) {
                return AggregationTemporality.CUMULATIVE;
            }
        };
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(BatchSpanProcessor.builder(spans).build()).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(PeriodicMetricReader
                        .builder(metrics).setInterval(Duration.ofSeconds(10)).build()).build())
                .build();
    }

    /**
     * Drains with telemetry on and off, alternating so that drift on a shared machine hits both alike; one row per
     * drain with the "off" figure as its baseline.
     */
    static void section(Report report, BenchDatabases databases, int memoryJobs, int memoryRuns, int dbJobs,
                        int dbRuns) throws Exception {
        double[] on = new double[memoryRuns];
        double[] off = new double[memoryRuns];
        double[] cpuOn = new double[memoryRuns];
        double[] cpuOff = new double[memoryRuns];
        LongAdder exported = new LongAdder();
        for (int i = -1; i < memoryRuns; i++) { // run -1 warms up both
            int n = i < 0 ? Math.min(memoryJobs, 100_000) : memoryJobs;
            // which goes first alternates too: a drain right after another may find the JVM busier
            for (boolean telemetry : i % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                if (telemetry) {
                    try (OpenTelemetrySdk sdk = sdk(exported)) {
                        long cpu = Benchmarks.processCpuNanos();
                        on[Math.max(i, 0)] = withTelemetry(sdk, () -> InMemoryBenchmarks.drainRate(n, -1));
                        cpuOn[Math.max(i, 0)] = (Benchmarks.processCpuNanos() - cpu) / 1e3 / n;
                    }
                } else {
                    long cpu = Benchmarks.processCpuNanos();
                    off[Math.max(i, 0)] = withTelemetry(null, () -> InMemoryBenchmarks.drainRate(n, -1));
                    cpuOff[Math.max(i, 0)] = (Benchmarks.processCpuNanos() - cpu) / 1e3 / n;
                }
            }
        }
        report.add(row("in-memory drain, " + InMemoryBenchmarks.SLOTS + " slots, defaults, " + memoryJobs
                + " no-op jobs, tracing and metrics on", on, off,
                "-", false));
        report.add(cpuRow("in-memory drain, CPU time per job (all threads), tracing and metrics on", cpuOn, cpuOff,
                "-", false));

        double[] dbCpuOn = new double[dbRuns];
        double[] dbCpuOff = new double[dbRuns];
        try (JpaBenchmarks jpa = new JpaBenchmarks(databases, BenchDatabases.Db.POSTGRESQL)) {
            on = new double[dbRuns];
            off = new double[dbRuns];
            for (int i = -1; i < dbRuns; i++) {
                int n = i < 0 ? Math.min(dbJobs, 2000) : dbJobs;
                for (boolean telemetry : i % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                    databases.truncate(BenchDatabases.Db.POSTGRESQL);
                    if (telemetry) {
                        try (OpenTelemetrySdk sdk = sdk(exported)) {
                            long cpu = Benchmarks.processCpuNanos();
                            on[Math.max(i, 0)] = withTelemetry(sdk, () -> jpa.drain(n, JpaBenchmarks.Tuning.DEFAULTS));
                            dbCpuOn[Math.max(i, 0)] = (Benchmarks.processCpuNanos() - cpu) / 1e3 / n;
                        }
                    } else {
                        long cpu = Benchmarks.processCpuNanos();
                        off[Math.max(i, 0)] = withTelemetry(null, () -> jpa.drain(n, JpaBenchmarks.Tuning.DEFAULTS));
                        dbCpuOff[Math.max(i, 0)] = (Benchmarks.processCpuNanos() - cpu) / 1e3 / n;
                    }
                }
            }
        }
        try (OpenTelemetrySdk sdk = sdk(exported)) {
            Telemetry telemetry = Telemetry.of(sdk, Telemetry.DEFAULT_BACKLOG_REFRESH);
            int n = Math.max(10_000, memoryJobs);
            attemptNanos(telemetry, n);
            attemptNanos(Telemetry.NONE, n);
            double[] nanosOn = new double[memoryRuns];
            double[] nanosOff = new double[memoryRuns];
            for (int i = 0; i < memoryRuns; i++) {
                nanosOff[i] = attemptNanos(Telemetry.NONE, n);
                nanosOn[i] = attemptNanos(telemetry, n);
            }
            report.add(new Report.Row("one attempt's span and metrics, CPU time on one thread (" + n + " attempts; "
                    + String.format(java.util.Locale.ROOT, "%.0f", Benchmarks.median(nanosOff)) + " ns when off)",
                    Benchmarks.median(nanosOn), "ns", "-", Double.NaN, "-", true));
        }
        report.add(row("PostgreSQL drain " + dbJobs + " no-op jobs, " + JpaBenchmarks.THREADS
                + " threads, tracing and metrics on", on, off, ">= 0.90x (at most 10 % slower)", true));
        report.add(cpuRow("PostgreSQL drain, CPU time per job in the worker JVM, tracing and metrics on", dbCpuOn,
                dbCpuOff, "-", false));
        System.out.printf(java.util.Locale.ROOT, "telemetry: %,d spans exported (the rest dropped by the batch"
                + " processor's full queue)%n", exported.sum());
    }

    private static Report.Row cpuRow(String what, double[] on, double[] off, String target, boolean judged) {
        return new Report.Row(what, Benchmarks.median(on), "us", "same drain, telemetry off", Benchmarks.median(off),
                target, !judged);
    }

    private static Report.Row row(String what, double[] on, double[] off, String target, boolean judged) {
        double a = Benchmarks.median(on);
        double b = Benchmarks.median(off);
        return new Report.Row(what, a, "jobs/s", "same drain, telemetry off", b, target, !judged || a >= 0.9 * b);
    }

    /** CPU nanoseconds per attempt that starts its span and timers and ends them as done, on one thread. */
    private static double attemptNanos(Telemetry telemetry, int n) {
        JobContext job = new JobContext("01900000-0000-7000-8000-000000000000", "bench", 1, 3, Instant.now(), 0,
                Instant.now(), "bench-0", Map.of());
        Outcome done = Outcome.done();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            telemetry.attempt("bench", job).end(done, null);
        }
        return (threads.getCurrentThreadCpuTime() - start) / (double) n;
    }

    interface Drain {
        double run() throws Exception;
    }

    /**
     * Runs a drain whose monitor is created without telemetry of its own: it reports where the last monitor given
     * one reports, so giving {@code sdk} (or the no-op) to a throwaway monitor switches the drain's telemetry.
     */
    private static double withTelemetry(OpenTelemetry sdk, Drain drain) throws Exception {
        Monitor.create().telemetry(sdk == null ? OpenTelemetry.noop() : sdk);
        try {
            return drain.run();
        } finally {
            Monitor.create().telemetry(OpenTelemetry.noop());
        }
    }
}
