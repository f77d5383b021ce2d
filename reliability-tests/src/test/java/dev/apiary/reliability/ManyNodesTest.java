package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Work;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Issue 5, scenario 1: three worker JVMs drain one queue; every job runs exactly once. */
class ManyNodesTest {

    private static final int JOBS = 20_000;

    @Test
    void threeNodesDrainTwentyThousandJobsEachExactlyOnce() throws Exception {
        try (Cluster cluster = Cluster.start("many-nodes")) {
            // given three nodes, ready
            List<Node> nodes = List.of(cluster.startNode("a", Duration.ofSeconds(10)),
                    cluster.startNode("b", Duration.ofSeconds(10)), cluster.startNode("c", Duration.ofSeconds(10)));
            nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(60)));
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);

            // when 20,000 jobs are pushed
            long start = System.nanoTime();
            for (int from = 0; from < JOBS; from += 1000) {
                work.pushAll(IntStream.range(from, from + 1000).mapToObj(n -> new Work(n, 0)).toList(),
                        JobOptions.defaults());
            }

            // then all end done, each run recorded once, spread over the nodes
            await("all jobs done").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'") == JOBS);
            Duration drain = Duration.ofNanos(System.nanoTime() - start);
            long runs = cluster.count("SELECT COUNT(*) FROM runs");
            long duplicates = cluster.count("SELECT COUNT(*) FROM duplicates");
            long notDone = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status <> 'DONE'");
            long attemptsAboveOne = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE attempts <> 1");
            var perNode = cluster.query("SELECT node, COUNT(*) AS n FROM runs GROUP BY node ORDER BY node");
            cluster.summary("jobs=" + JOBS + " nodes=3 faults=none lost=" + (JOBS - runs) + " runTwice=" + duplicates
                    + " drained in " + drain.toMillis() + " ms (" + JOBS * 1000L / Math.max(1, drain.toMillis())
                    + " jobs/s) perNode=" + perNode);

            assertThat(runs).isEqualTo(JOBS);
            assertThat(duplicates).isZero();
            assertThat(notDone).isZero();
            assertThat(attemptsAboveOne).isZero();
            assertThat(perNode).hasSize(3);
            nodes.forEach(n -> assertThat(n.log()).doesNotContain("SEVERE"));
        }
    }
}
