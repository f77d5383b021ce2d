package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Work;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 24, pause and resume: three worker JVMs drain one queue; a pause through the storage stops every node from
 * starting jobs within a second while the jobs they run finish and readiness stays UP, and a resume makes every node
 * start jobs again at once (LISTEN/NOTIFY), all without a restart.
 */
class PauseAcrossNodesTest {

    private static final int JOBS = 200;
    private static final long JOB_MILLIS = 200;
    private static final Duration HOLD = Duration.ofSeconds(2);
    /** Milliseconds since the epoch on the database's clock, which also stamps each run's start. */
    private static final String NOW = "SELECT ROUND(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)";
    private static final String STARTS_AFTER = "SELECT COUNT(*) FROM runs WHERE started_at > to_timestamp(? / 1000.0)";

    @Test
    void aPauseStopsEveryNodeWithinASecondAndAResumeRestartsThem() throws Exception {
        try (Cluster cluster = Cluster.start("pause")) {
            // given three nodes, ready, draining jobs of 200 ms on four slots each
            Map<String, String> settings = Map.of("apiary.workers.work.concurrency", "4");
            List<Node> nodes = List.of(cluster.startNode("a", Duration.ofSeconds(5), settings),
                    cluster.startNode("b", Duration.ofSeconds(5), settings),
                    cluster.startNode("c", Duration.ofSeconds(5), settings));
            nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(60)));
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);
            work.pushAll(IntStream.range(0, JOBS).mapToObj(n -> new Work(n, JOB_MILLIS)).toList(),
                    JobOptions.defaults());
            await("every node runs jobs").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> cluster.count("SELECT COUNT(DISTINCT node) FROM runs") == 3);

            // when the queue is paused
            work.pause();
            long pausedAt = cluster.count(NOW);

            // then no job starts on any node more than a second later, for as long as it stays paused, while the
            // jobs that were running finish and every node's readiness stays UP and says the queue is paused
            await("no start a second after the pause").during(HOLD).atMost(HOLD.plusSeconds(2))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.count(STARTS_AFTER, pausedAt + 1000) == 0);
            await("running jobs finish").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'RUNNING'") == 0);
            long lastStart = cluster.count("SELECT ROUND(EXTRACT(EPOCH FROM MAX(started_at)) * 1000) FROM runs");
            long ranBeforeResume = cluster.count("SELECT COUNT(*) FROM runs");
            long pending = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'PENDING'");
            for (Node node : nodes) {
                Node.Health ready = node.healthResponse("ready");
                assertThat(ready.statusCode()).as("readiness of node " + node.name()).isEqualTo(200);
                assertThat(ready.body()).as("readiness of node " + node.name()).contains("available, paused");
            }

            // when it is resumed
            long resumedAt = cluster.count(NOW);
            work.resume();

            // then every node starts jobs again at once, and all end done, each once
            await("every node starts again").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> cluster.count("SELECT COUNT(DISTINCT node) FROM runs WHERE started_at > "
                            + "to_timestamp(? / 1000.0)", resumedAt) == 3);
            long firstAfterResume = cluster.count("SELECT ROUND(EXTRACT(EPOCH FROM MIN(started_at)) * 1000) FROM runs"
                    + " WHERE started_at > to_timestamp(? / 1000.0)", resumedAt) - resumedAt;
            long allNodesAfterResume = cluster.count("SELECT ROUND(MAX(first) * 1000) FROM (SELECT EXTRACT(EPOCH FROM"
                    + " MIN(started_at)) AS first FROM runs WHERE started_at > to_timestamp(? / 1000.0) GROUP BY node)"
                    + " f", resumedAt) - resumedAt;
            await("all jobs done").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'") == JOBS);
            cluster.summary("jobs=" + JOBS + " of " + JOB_MILLIS + " ms nodes=3 concurrency=4: last start "
                    + (lastStart - pausedAt) + " ms after the pause returned, " + ranBeforeResume + " ran and "
                    + pending + " waited while paused " + HOLD.toMillis() + " ms; after the resume the first start "
                    + firstAfterResume + " ms, every node started within " + allNodesAfterResume + " ms");

            assertThat(lastStart - pausedAt).as("last start after the pause, ms").isLessThanOrEqualTo(1000);
            assertThat(pending).as("jobs left waiting by the pause").isPositive();
            assertThat(allNodesAfterResume).as("ms until every node started a job after the resume")
                    .isLessThan(1000);
            assertThat(cluster.count("SELECT COUNT(*) FROM runs")).isEqualTo(JOBS);
            assertThat(cluster.count("SELECT COUNT(*) FROM duplicates")).isZero();
            nodes.forEach(n -> assertThat(n.log()).doesNotContain("SEVERE"));
        }
    }
}
