package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Work;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 5, scenario 3: PostgreSQL is stopped for ten seconds under two working nodes, then started again on the same
 * data. The nodes say so in their logs, back off, report not ready (but alive) meanwhile and carry on by
 * themselves; no job is lost or left running.
 */
class DatabaseOutageTest {

    private static final int JOBS = 3_000;
    private static final Duration OUTAGE = Duration.ofSeconds(10);
    private static final Pattern RECOVERED = Pattern.compile("Reenqueued (\\d+) orphaned jobs");

    @Test
    void nodesRideOutADatabaseOutageAndLoseNothing() throws Exception {
        try (Cluster cluster = Cluster.start("outage")) {
            // given two nodes working through 3,000 jobs of 40 ms
            List<Node> nodes = List.of(cluster.startNode("a", Duration.ofSeconds(10)),
                    cluster.startNode("b", Duration.ofSeconds(10)));
            nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(60)));
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);
            // attempts that fail while the database is away are retried: give them room
            work.pushAll(IntStream.range(0, JOBS).mapToObj(n -> new Work(n, 40)).toList(),
                    JobOptions.defaults().withMaxAttempts(10));
            await("nodes busy").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM runs") >= 500);

            // when the database is down for ten seconds
            long doneBefore = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'");
            cluster.stopDatabase();
            long stoppedAt = System.nanoTime();
            Map<String, Integer> readyDown = new HashMap<>();
            Map<String, Integer> liveDown = new HashMap<>();
            int samples = 0;
            while (System.nanoTime() - stoppedAt < OUTAGE.toNanos()) {
                for (Node node : nodes) {
                    readyDown.merge(node.name(), node.health("ready") == 503 ? 1 : 0, Integer::sum);
                    liveDown.merge(node.name(), node.health("live") == 200 ? 0 : 1, Integer::sum);
                }
                samples++;
                Thread.sleep(500);
            }
            String readinessDuringOutage = nodes.get(0).healthResponse("ready").body();
            cluster.startDatabase();
            long startedAt = System.nanoTime();

            // then they recover alone: ready again, every job done once or more, none left running
            nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(60)));
            Duration readyAgain = Duration.ofNanos(System.nanoTime() - startedAt);
            await("a job done after the outage").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'") > doneBefore);
            Duration workingAgain = Duration.ofNanos(System.nanoTime() - startedAt);
            await("all jobs done").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'") == JOBS);

            long runs = cluster.count("SELECT COUNT(*) FROM runs");
            long duplicates = cluster.count("SELECT COUNT(*) FROM duplicates");
            long running = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'RUNNING'");
            long orphansRecovered = 0;
            for (Node node : nodes) {
                Matcher m = RECOVERED.matcher(node.log());
                while (m.find()) {
                    orphansRecovered += Long.parseLong(m.group(1));
                }
            }
            cluster.summary("jobs=" + JOBS + " nodes=2 faults=database stopped for " + OUTAGE.toSeconds()
                    + " s (pg_ctl stop -m fast) lost=" + (JOBS - runs) + " runTwice=" + duplicates
                    + " (jobs put back as orphans after the outage: " + orphansRecovered + ") readinessDown="
                    + readyDown + " of " + samples + " samples, livenessDown=" + liveDown
                    + " readyAgain=" + readyAgain.toMillis() + " ms, firstJobDoneAgain=" + workingAgain.toMillis()
                    + " ms after the database was back");
            System.out.println("Readiness of node a during the outage: " + readinessDuringOutage);

            assertThat(runs).isEqualTo(JOBS);
            assertThat(running).isZero();
            // every node was alive: none may take another's jobs as orphans because the outage outlasted the lease
            assertThat(orphansRecovered).isZero();
            // outcomes that could not be written during the outage were kept and written afterwards
            assertThat(nodes).anySatisfy(n -> assertThat(n.log())
                    .contains("cannot write back").contains("writes back job outcomes to queue 'work' again"));
            assertThat(cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status <> 'DONE'")).isZero();
            for (Node node : nodes) {
                assertThat(readyDown.get(node.name())).as("readiness DOWN samples of " + node.name()).isPositive();
                assertThat(liveDown.get(node.name())).as("liveness DOWN samples of " + node.name()).isZero();
                String log = node.log();
                assertThat(log).as("log of " + node.name()).contains("cannot heartbeat to queue 'work'")
                        .contains("heartbeats to queue 'work' again")
                        .contains("claims from queue 'work' again after")
                        .doesNotContain("gives up");
                assertThat(node.isAlive()).isTrue();
            }
        }
    }
}
