package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Work;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 21: the database hangs rather than refuses. A working node reaches PostgreSQL through a {@link TcpProxy}
 * that stops forwarding for 30 s (six leases) without closing anything, as a dead network or a frozen server would: no error
 * arrives, every read waits. With the driver's socket timeout on the node's data source (PostgreSQL's
 * {@code socketTimeout}, 3 s here), which Apiary's guide asks for, each claim, settle and heartbeat fails within it
 * instead of pinning the node's threads: readiness fails within the timeout and stays so (a probe answers DOWN, or
 * no answer comes within the probe's 5 s while it checks every storage one after another), and once the
 * proxy forwards again the node carries on by itself: nothing stuck, no job lost, none run twice.
 */
class DatabaseHangTest {

    private static final int JOBS = 3_000;
    private static final Duration HANG = Duration.ofSeconds(30);
    private static final int SOCKET_TIMEOUT_SECONDS = 3;

    @Test
    void aNodeRidesOutADatabaseThatStopsAnsweringAndLosesNothing() throws Exception {
        try (Cluster cluster = Cluster.start("hang"); TcpProxy proxy = TcpProxy.to(cluster.port())) {
            // given a node on the proxy working through 3,000 jobs of 40 ms
            Node node = cluster.startNode("a", Duration.ofSeconds(10), Map.of(),
                    Cluster.jdbcUrl(proxy.port()) + "&socketTimeout=" + SOCKET_TIMEOUT_SECONDS);
            node.awaitReady(Duration.ofSeconds(60));
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);
            work.pushAll(IntStream.range(0, JOBS).mapToObj(n -> new Work(n, 40)).toList(),
                    JobOptions.defaults().withMaxAttempts(10));
            await("node busy").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM runs") >= 300);

            // when the database stops answering for 30 s
            long doneBefore = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'");
            proxy.pause();
            long pausedAt = System.nanoTime();
            Duration downAfter = null;
            int samples = 0;
            int down = 0;
            int unanswered = 0;
            int upAfterDown = 0;
            while (System.nanoTime() - pausedAt < HANG.toNanos()) {
                // a probe that gets no answer within its 5 s fails as a DOWN does (Kubernetes counts it so)
                int status = node.health("ready");
                down += status == 503 ? 1 : 0;
                unanswered += status != 503 && status != 200 ? 1 : 0;
                if (status != 200 && downAfter == null) {
                    downAfter = Duration.ofNanos(System.nanoTime() - pausedAt);
                }
                upAfterDown += status == 200 && downAfter != null ? 1 : 0;
                samples++;
                Thread.sleep(500);
            }
            long runsDuringHang = cluster.count("SELECT COUNT(*) FROM runs");
            proxy.resume();
            long resumedAt = System.nanoTime();

            // then the node is ready again and finishes every job by itself
            node.awaitReady(Duration.ofSeconds(60));
            Duration readyAgain = Duration.ofNanos(System.nanoTime() - resumedAt);
            try {
                await("all jobs done").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'") == JOBS);
            } catch (ConditionTimeoutException e) {
                // what is left, and whether its holder still heartbeats: a claim whose answer the hang swallowed
                cluster.summary("NOT DONE: " + cluster.statusCounts("work") + "; running rows by worker: "
                        + cluster.query("SELECT j.worker_id, COUNT(*) AS n, MIN(j.locked_at) AS locked, "
                        + "MAX(w.last_heartbeat) AS heartbeat FROM apiary_jobs j LEFT JOIN apiary_workers w "
                        + "ON w.id = j.worker_id WHERE j.status = 'RUNNING' GROUP BY j.worker_id"));
            }
            Duration allDone = Duration.ofNanos(System.nanoTime() - resumedAt);

            long runs = cluster.count("SELECT COUNT(*) FROM runs");
            long duplicates = cluster.count("SELECT COUNT(*) FROM duplicates");
            cluster.summary("jobs=" + JOBS + " nodes=1 faults=proxy to the database stopped forwarding for "
                    + HANG.toSeconds() + " s (no RST), driver socketTimeout " + SOCKET_TIMEOUT_SECONDS + " s; "
                    + "readiness not UP (DOWN or no answer) after "
                    + (downAfter == null ? "never" : downAfter.toMillis() + " ms")
                    + ", DOWN in " + down + " of " + samples + " samples, no answer within 5 s in " + unanswered
                    + ", UP again while hung in " + upAfterDown + "; lost="
                    + (JOBS - runs) + " runTwice=" + duplicates + " doneBeforeHang=" + doneBefore
                    + " readyAgain=" + readyAgain.toMillis() + " ms allDone=" + allDone.toMillis() + " ms after");

            assertThat(downAfter).as("readiness failing within the socket timeout").isNotNull()
                    .isLessThan(Duration.ofSeconds(SOCKET_TIMEOUT_SECONDS + 5));
            assertThat(upAfterDown).as("probes answered UP while the database hung").isZero();
            assertThat(runs).isEqualTo(JOBS);
            assertThat(duplicates).isZero();
            assertThat(runsDuringHang).as("jobs started while the database hung: at most what was claimed before")
                    .isLessThan(JOBS);
            assertThat(cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status <> 'DONE'")).isZero();
            // the node stops claiming for want of heartbeats, whatever the heartbeat itself waits on, and claims again
            assertThat(node.log()).contains("claims nothing from queue 'work'")
                    .contains("claims from queue 'work' again");
            // a heartbeat may wait out the whole hang on a new connection and then get through without failing;
            // one that failed is said to be back
            if (node.log().contains("cannot heartbeat to queue 'work'")) {
                assertThat(node.log()).contains("heartbeats to queue 'work' again");
            }
            assertThat(node.isAlive()).isTrue();
            assertThat(node.health("live")).isEqualTo(200);
        }
    }
}
