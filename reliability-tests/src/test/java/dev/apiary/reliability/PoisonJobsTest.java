package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Erroring;
import dev.apiary.reliability.Payloads.Hanging;
import dev.apiary.reliability.Payloads.Throwing;
import dev.apiary.reliability.Payloads.Unserved;
import dev.apiary.reliability.Payloads.Work;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 5, scenario 4: jobs that can never succeed end in a final state that says why, with their attempts
 * counted, while the node goes on with its other jobs. A queue no worker serves keeps its jobs pending.
 */
class PoisonJobsTest {

    private static final int GOOD_JOBS = 300;

    @Test
    void poisonJobsEndFailedOrKilledWithTheirReasonWhileOtherJobsRun() throws Exception {
        try (Cluster cluster = Cluster.start("poison")) {
            // given one node with a worker for each poison queue besides the ordinary one
            Node node = cluster.startNode("a", Duration.ofSeconds(10), Map.of(
                    "apiary.workers.throwing.enabled", "true",
                    "apiary.workers.hanging.enabled", "true",
                    "apiary.workers.erroring.enabled", "true"));
            node.awaitReady(Duration.ofSeconds(60));
            long start = System.nanoTime();

            // when poison jobs arrive among ordinary ones
            String truncated = insertRaw(cluster, "work", "{\"n\": 7, \"millis\":", Work.class);
            String wrongShape = insertRaw(cluster, "work", "\"a string, not an object\"", Work.class);
            String throwing = cluster.storage("throwing", Throwing.class).push(new Throwing("t"),
                    JobOptions.defaults().withMaxAttempts(3));
            String hanging = cluster.storage("hanging", Hanging.class).push(new Hanging("h"),
                    JobOptions.defaults().withMaxAttempts(2));
            String erroring = cluster.storage("erroring", Erroring.class).push(new Erroring("e"),
                    JobOptions.defaults().withMaxAttempts(3));
            List<String> unserved = cluster.storage("unserved", Unserved.class).pushAll(
                    List.of(new Unserved("u1"), new Unserved("u2")), JobOptions.defaults());
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);
            work.pushAll(IntStream.range(0, GOOD_JOBS).mapToObj(n -> new Work(n, 10)).toList(),
                    JobOptions.defaults());

            // then each poison job ends final with its reason and attempts; the ordinary ones all run
            String finalJobs = "SELECT COUNT(*) FROM apiary_jobs WHERE status IN ('DONE', 'FAILED', 'KILLED') "
                    + "AND queue <> 'unserved'";
            await("every served job final").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.count(finalJobs) == GOOD_JOBS + 5);
            Duration settled = Duration.ofNanos(System.nanoTime() - start);

            assertThat(job(cluster, truncated)).containsEntry("status", "KILLED").containsEntry("attempts", 1);
            assertThat((String) job(cluster, truncated).get("last_error"))
                    .startsWith("Payload cannot be decoded, so the job can never run");
            assertThat(job(cluster, wrongShape)).containsEntry("status", "KILLED").containsEntry("attempts", 1);

            assertThat(job(cluster, throwing)).containsEntry("status", "FAILED").containsEntry("attempts", 3);
            assertThat((String) job(cluster, throwing).get("last_error"))
                    .contains("java.lang.IllegalStateException: throwing handler refuses t (attempt 3)")
                    .contains("at dev.apiary.reliability.NodeWorkers$ThrowingWorker.handle");

            assertThat(job(cluster, hanging)).containsEntry("status", "FAILED").containsEntry("attempts", 2);
            assertThat((String) job(cluster, hanging).get("last_error")).contains("JobTimeoutException")
                    .contains("PT1S");

            // an Error is not retried (the JVM may be unwell), it fails the job at once with its stack trace
            assertThat(job(cluster, erroring)).containsEntry("status", "FAILED").containsEntry("attempts", 1);
            assertThat((String) job(cluster, erroring).get("last_error"))
                    .contains("java.lang.AssertionError: erroring handler breaks on e")
                    .contains("at dev.apiary.reliability.NodeWorkers$ErroringWorker.handle");

            assertThat(cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE queue = 'work' AND status = 'DONE'"))
                    .isEqualTo(GOOD_JOBS);
            assertThat(cluster.count("SELECT COUNT(*) FROM runs")).isEqualTo(GOOD_JOBS);
            assertThat(cluster.count("SELECT COUNT(*) FROM duplicates")).isZero();

            // a queue no worker serves: its jobs wait, untouched, for a worker that may come with the next deploy
            Thread.sleep(2_000);
            for (String id : unserved) {
                assertThat(job(cluster, id)).containsEntry("status", "PENDING").containsEntry("attempts", 0)
                        .containsEntry("last_error", null);
            }

            // and the node is well: ready, alive, its pollers never crashed
            Node.Health ready = node.healthResponse("ready");
            assertThat(ready.up()).as(ready.body()).isTrue();
            assertThat(ready.body()).contains("restarts=0").doesNotContain("restarts=1");
            assertThat(node.health("live")).isEqualTo(200);
            assertThat(node.log()).doesNotContain("crashed (");

            cluster.summary("jobs=" + (GOOD_JOBS + 7) + " (" + GOOD_JOBS + " ordinary) nodes=1 faults=2 undecodable "
                    + "payloads (KILLED at claim, attempts 1), a handler that always throws (FAILED after 3 of 3 "
                    + "attempts), one that hangs past its 1 s timeout (FAILED after 2 of 2 attempts with "
                    + "JobTimeoutException), one that throws an Error (FAILED at attempt 1 with its stack trace), "
                    + "2 jobs of a queue without a worker (still PENDING, attempts 0) lost=0 runTwice=0 "
                    + "allFinalAfter=" + settled.toMillis() + " ms; the node stayed ready with no poller restart");
        }
    }

    /** A row written behind the storage's back, as another application (or a bug) might. */
    private static String insertRaw(Cluster cluster, String queue, String payload, Class<?> type) {
        String id = UUID.randomUUID().toString();
        cluster.execute("INSERT INTO apiary_jobs (id, queue, payload, payload_type, status, attempts, max_attempts, "
                + "run_at, priority, enqueued_at) VALUES (?, ?, ?, ?, 'PENDING', 0, 3, LOCALTIMESTAMP, 0, "
                + "LOCALTIMESTAMP)", id, queue, payload, type.getName());
        return id;
    }

    private static Map<String, Object> job(Cluster cluster, String id) {
        return cluster.query("SELECT status, attempts, last_error FROM apiary_jobs WHERE id = ?", id).get(0);
    }
}
