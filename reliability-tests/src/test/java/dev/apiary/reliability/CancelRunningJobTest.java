package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Work;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 24: cancelling a long job interrupts it on whichever node holds it within a second. Heartbeats come only every
 * ten seconds here, so an interrupt within a second is the work of the cancel's notification (LISTEN/NOTIFY), not of
 * the heartbeat that is its fallback.
 */
class CancelRunningJobTest {

    private static final Map<String, String> THREE_SLOTS_SLOW_HEARTBEAT = Map.of(
            "apiary.workers.work.concurrency", "3",
            "apiary.workers.work.prefetch", "0",
            "apiary.workers.work.heartbeat-interval", "10s",
            "apiary.workers.work.lease", "60s");

    @Test
    void cancellingALongJobInterruptsItOnTheNodeThatHoldsItWithinASecond() throws Exception {
        try (Cluster cluster = Cluster.start("cancel")) {
            // given two nodes of three slots each, running six jobs of two minutes: three on each
            List<Node> nodes = List.of(cluster.startNode("a", Duration.ofSeconds(1), THREE_SLOTS_SLOW_HEARTBEAT),
                    cluster.startNode("b", Duration.ofSeconds(1), THREE_SLOTS_SLOW_HEARTBEAT));
            nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(60)));
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);
            for (int n = 0; n < 6; n++) {
                work.push(new Work(n, 120_000));
            }
            await("six jobs running").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM runs") == 6);

            // and a job due in an hour, cancelled at once: it never runs (this also warms the test's own cancel path,
            // so that the times below are the nodes', not this JVM's first query)
            String later = work.push(new Work(99, 0), JobOptions.defaults().withRunAt(Instant.now().plusSeconds(3600)));
            assertThat(work.cancel(later, "ops", "not needed")).isTrue();
            assertThat(work.find(later).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);

            // when one job held by each node is cancelled
            List<String> latencies = new ArrayList<>();
            List<String> cancelled = new ArrayList<>();
            List<Long> millisPerNode = new ArrayList<>();
            for (String node : List.of("a", "b")) {
                String id = (String) cluster.query("SELECT job_id FROM runs WHERE node = ? ORDER BY job_id LIMIT 1",
                        node).get(0).get("job_id");
                assertThat(work.cancel(id, "ops", "customer withdrew the order")).isTrue();
                cancelled.add(id);

                // then that node interrupts it within a second of the cancel being stored (the job's finish time, on
                // this machine's clock as the interrupt's time is), and its handler sees the cancel
                await("job " + id + " interrupted on node " + node).atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> cluster.count("SELECT COUNT(*) FROM interrupts WHERE job_id = ?", id) == 1);
                Map<String, Object> interrupt = cluster.query("SELECT i.node, i.cancelled, "
                        + "EXTRACT(EPOCH FROM (i.interrupted_at AT TIME ZONE 'UTC') - j.finished_at) * 1000 AS millis "
                        + "FROM interrupts i JOIN apiary_jobs j ON j.id = i.job_id WHERE i.job_id = ?", id).get(0);
                long millis = Math.round(((Number) interrupt.get("millis")).doubleValue());
                latencies.add(node + "=" + millis + "ms");
                assertThat(interrupt.get("node")).isEqualTo(node);
                assertThat(interrupt.get("cancelled")).isEqualTo(true);
                millisPerNode.add(millis);
            }
            cluster.summary("jobs=6 nodes=2 cancelled=2 cancelToInterrupt " + latencies);
            assertThat(millisPerNode).as("from the cancel to the interrupt, per node " + latencies)
                    .allMatch(millis -> millis < 1000);

            // and the cancelled jobs end cancelled with who and why, while the other four run on untouched
            for (String id : cancelled) {
                var job = work.find(id).orElseThrow();
                assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
                assertThat(job.cancelledBy()).isEqualTo("ops");
                assertThat(job.lastError()).isEqualTo("customer withdrew the order");
            }
            assertThat(cluster.count("SELECT COUNT(*) FROM interrupts")).isEqualTo(2);
            assertThat(cluster.statusCounts("work")).containsEntry("RUNNING", 4L).containsEntry("CANCELLED", 3L);
            assertThat(cluster.count("SELECT COUNT(*) FROM runs WHERE job_id = ?", later)).isZero();
            nodes.forEach(n -> assertThat(n.log()).doesNotContain("SEVERE"));
        }
    }
}
