package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Work;
import dev.apiary.spi.WorkerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 24, the cluster view: two worker JVMs on one host share a database. Each is a node of its own (host and
 * process, or {@code apiary.node}), each job records the node and instance of its attempt, a node that stops
 * gracefully shows its instances stopped at once, and one that is killed shows them lost once their lease is over.
 */
class ClusterViewTest {

    private static final int JOBS = 400;
    /** Shorter than the other scenarios' so that the wait for a lost node stays short. */
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final Map<String, String> FAST = Map.of("apiary.workers.work.lease", LEASE.toMillis() + "ms",
            "apiary.workers.work.heartbeat-interval", HEARTBEAT.toMillis() + "ms");

    @Test
    void twoNodesAreToldApartAStoppedOneShowsStoppedAtOnceAndAKilledOneLostAfterTheLease() throws Exception {
        try (Cluster cluster = Cluster.start("cluster-view")) {
            // given two nodes on this host: a named by host and process, b by apiary.node
            Node a = cluster.startNode("a", Duration.ofSeconds(5), FAST);
            Map<String, String> named = new HashMap<>(FAST);
            named.put("apiary.node", "orders-b");
            Node b = cluster.startNode("b", Duration.ofSeconds(5), named);
            a.awaitReady(Duration.ofSeconds(60));
            b.awaitReady(Duration.ofSeconds(60));
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);
            work.pushAll(IntStream.range(0, JOBS).mapToObj(n -> new Work(n, 10)).toList(), JobOptions.defaults());
            await("all jobs done").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'") == JOBS);

            // then the workers of each node carry a node name of their own
            List<WorkerRecord> workers = work.workers();
            Set<String> nodes = workers.stream().map(WorkerRecord::node).collect(Collectors.toSet());
            String nodeA = workers.stream().map(WorkerRecord::node).filter(n -> n.contains("/" + a.pid() + "-"))
                    .findFirst().orElseThrow(() -> new AssertionError(
                    "no worker row of node a (pid " + a.pid() + ") in " + workers));
            assertThat(nodes).containsExactlyInAnyOrder(nodeA, "orders-b");
            assertThat(workers).allMatch(WorkerRecord::live);

            // and each job the node and instance that ran it, as the nodes' own run log says
            long mismatched = cluster.count("SELECT COUNT(*) FROM apiary_jobs j JOIN runs r ON r.job_id = j.id "
                    + "WHERE j.attempt_worker_id IS DISTINCT FROM r.worker_id OR j.attempt_node IS DISTINCT FROM "
                    + "CASE r.node WHEN 'a' THEN ? ELSE 'orders-b' END", nodeA);
            long recorded = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE attempt_node IS NOT NULL");
            var perNode = cluster.query("SELECT attempt_node, COUNT(*) AS n FROM apiary_jobs GROUP BY attempt_node");

            // when b stops gracefully, its instances show stopped as soon as it has exited
            b.terminate();
            assertThat(b.awaitExit(Duration.ofSeconds(20))).isTrue();
            Map<String, String> afterStop = statuses(work.workers());

            // and when a is killed, its instances keep their last state until their lease is over, then show lost
            a.kill();
            long killedAt = System.nanoTime();
            assertThat(a.awaitExit(Duration.ofSeconds(10))).isTrue();
            Instant killedAtWall = Instant.now();
            List<WorkerRecord> killedWorkers = work.workers();
            Map<String, String> rightAfterKill = statuses(killedWorkers);
            Instant lastHeartbeat = killedWorkers.stream().filter(w -> w.node().equals(nodeA))
                    .map(WorkerRecord::lastSeen).max(Comparator.naturalOrder()).orElseThrow();
            AtomicReference<Instant> firstSeenLost = new AtomicReference<>();
            await("node a's instances lost").atMost(LEASE.plusSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        boolean allLost = work.workers().stream().filter(w -> w.node().equals(nodeA))
                                .allMatch(w -> WorkerRecord.LOST.equals(w.status()));
                        if (allLost) {
                            firstSeenLost.set(Instant.now());
                        }
                        return allLost;
                    });
            Duration lost = Duration.ofNanos(System.nanoTime() - killedAt);
            cluster.summary("jobs=" + JOBS + " nodes=2 (" + nodeA + ", orders-b) perNode=" + perNode
                    + " statuses after b stopped=" + afterStop + " right after a was killed=" + rightAfterKill
                    + " a shown lost " + lost.toMillis() + " ms after the kill (lease " + LEASE.toMillis()
                    + " ms, heartbeat " + HEARTBEAT.toMillis() + " ms)");

            assertThat(recorded).isEqualTo(JOBS);
            assertThat(mismatched).as("jobs whose recorded node or instance is not the one that ran them").isZero();
            assertThat(afterStop).containsEntry("orders-b", "STOPPED").doesNotContainEntry(nodeA, "STOPPED")
                    .doesNotContainEntry(nodeA, "LOST");
            assertThat(rightAfterKill).containsEntry("orders-b", "STOPPED").doesNotContainEntry(nodeA, "LOST");
            // the node heartbeat until it was killed, and is shown lost only once its last heartbeat is a lease old
            // (measured from that heartbeat, not from the kill: under load a heartbeat may come late)
            assertThat(Duration.between(lastHeartbeat, killedAtWall)).isLessThan(LEASE);
            assertThat(firstSeenLost.get()).isAfterOrEqualTo(lastHeartbeat.plus(LEASE));
            assertThat(work.workers()).filteredOn(w -> w.node().equals("orders-b"))
                    .allMatch(w -> w.status().equals("STOPPED"));
        }
    }

    /** The statuses of the instances of each node, one entry per node with all its instances in one status. */
    private static Map<String, String> statuses(List<WorkerRecord> workers) {
        return workers.stream().collect(Collectors.groupingBy(WorkerRecord::node, Collectors.mapping(
                WorkerRecord::status, Collectors.collectingAndThen(Collectors.toSet(),
                        s -> s.size() == 1 ? s.iterator().next() : s.toString()))));
    }
}
