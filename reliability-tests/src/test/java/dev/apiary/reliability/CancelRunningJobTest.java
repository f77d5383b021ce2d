package dev.apiary.reliability;

import dev.apiary.JobStatus;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Work;
import org.junit.jupiter.api.Test;

import java.sql.Timestamp;
import java.time.Duration;
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

            // when one job held by each node is cancelled
            List<String> latencies = new ArrayList<>();
            List<String> cancelled = new ArrayList<>();
            List<Long> millisPerNode = new ArrayList<>();
            for (String node : List.of("a", "b")) {
                String id = (String) cluster.query("SELECT job_id FROM runs WHERE node = ? ORDER BY job_id LIMIT 1",
                        node).get(0).get("job_id");
                assertThat(work.cancel(id, "ops", "customer withdrew the order")).isTrue();
                // from the cancel's commit (its notification goes out then): the caller's own round trip is not the node's
                Timestamp before = (Timestamp) cluster.query("SELECT clock_timestamp()::timestamp AS t").get(0)
                        .get("t");
                cancelled.add(id);

                // then that node interrupts it within a second, and its handler sees the cancel
                await("job " + id + " interrupted on node " + node).atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> cluster.count("SELECT COUNT(*) FROM interrupts WHERE job_id = ?", id) == 1);
                Map<String, Object> interrupt = cluster.query("SELECT node, cancelled, "
                        + "interrupted_at::timestamp AS at FROM interrupts WHERE job_id = ?", id).get(0);
                long millis = Duration.between(before.toInstant(), ((Timestamp) interrupt.get("at")).toInstant())
                        .toMillis();
                latencies.add(node + "=" + millis + "ms");
                System.out.println("CANCEL " + id + " on " + node + " at " + before + " interrupted at "
                        + interrupt.get("at"));
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
            assertThat(cluster.statusCounts("work")).containsEntry("RUNNING", 4L).containsEntry("CANCELLED", 2L);
            nodes.forEach(n -> assertThat(n.log()).doesNotContain("SEVERE"));
        }
    }
}
