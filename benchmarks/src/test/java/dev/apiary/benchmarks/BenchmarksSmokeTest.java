package dev.apiary.benchmarks;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every section of the benchmark harness (in memory, PostgreSQL with both durability settings, the peers, H2, a
 * worker process, queues over two databases) with tiny sizes so that it cannot rot; the figures themselves are not
 * judged here.
 */
class BenchmarksSmokeTest {

    @Test
    void theQuickRunMeasuresEverySectionAndPrintsTheTable() throws Exception {
        Report report = Benchmarks.run(Map.of("quick", "true"));

        assertThat(report.rows()).extracting(Report.Row::what)
                .anySatisfy(w -> assertThat(w).contains("in-memory drain").endsWith("defaults"))
                .anySatisfy(w -> assertThat(w).contains("in-memory drain").contains("tuned: prefetch("))
                .anySatisfy(w -> assertThat(w).contains("in-memory latency"))
                .anySatisfy(w -> assertThat(w).contains("synchronous_commit=off: enqueue one job per transaction"))
                .anySatisfy(w -> assertThat(w).contains("synchronous_commit=on (default): batch enqueue"))
                .anySatisfy(w -> assertThat(w).contains("synchronous_commit=off: drain").endsWith("defaults"))
                .anySatisfy(w -> assertThat(w).contains("synchronous_commit=on (default): drain")
                        .endsWith("defaults"))
                .anySatisfy(w -> assertThat(w).contains("latency"))
                .anySatisfy(w -> assertThat(w).contains("db-scheduler").contains("pollUsingLockAndFetch"))
                .anySatisfy(w -> assertThat(w).contains("JobRunr").contains("andWorkerCount"))
                .anySatisfy(w -> assertThat(w).contains("Quartz").contains("threadCount"))
                .anySatisfy(w -> assertThat(w).contains("against the best peer"))
                .anySatisfy(w -> assertThat(w).contains("push then await one job's result p99"))
                .anySatisfy(w -> assertThat(w).contains("H2 (in memory): drain"))
                .anySatisfy(w -> assertThat(w).contains("1 worker process"))
                .anySatisfy(w -> assertThat(w).contains("batch of 300 no-op jobs").contains("callback"))
                .anySatisfy(w -> assertThat(w).contains("tracing and metrics on"))
                .anySatisfy(w -> assertThat(w).contains("over 4 queues").endsWith("all on 1 database"))
                .anySatisfy(w -> assertThat(w).contains("over 4 queues").contains("on a second"))
                .anySatisfy(w -> assertThat(w).contains("PostgreSQL CPU time per job (both servers)"));
        assertThat(report.rows()).allSatisfy(r -> assertThat(r.value()).isPositive());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("| measure").contains("ThreadPoolExecutor");
    }
}
