package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Work;
import org.junit.jupiter.api.Test;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 5, scenario 5: a node asked to stop (SIGTERM) claims nothing more, finishes the jobs it runs within its
 * grace period, and hands back the ones that cannot finish; the other node runs those. The grace period is longer
 * than the lease, so the stopping node must keep heartbeating while it waits.
 */
class GracefulShutdownTest {

    private static final Duration GRACE = Duration.ofSeconds(7);
    private static final int JOBS = 120;
    private static final Pattern STOPPING = Pattern.compile("NODE a STOPPING (\\S+)");
    private static final Pattern HANDED_BACK = Pattern.compile("hands back \\d+ jobs it could not finish within the "
            + "grace period: \\[([^]]*)]");

    @Test
    void aStoppedNodeFinishesWhatItCanWithinTheGracePeriodAndHandsBackTheRest() throws Exception {
        try (Cluster cluster = Cluster.start("shutdown")) {
            // given two nodes, each running long (10 s) and short (0.5 s) jobs
            Node a = cluster.startNode("a", GRACE);
            Node b = cluster.startNode("b", GRACE);
            a.awaitReady(Duration.ofSeconds(60));
            b.awaitReady(Duration.ofSeconds(60));
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);
            // one long job in every twenty, so that each claim batch mixes both kinds
            List<Work> payloads = IntStream.range(0, JOBS).mapToObj(n -> new Work(n, n % 20 == 0 ? 10_000 : 500))
                    .toList();
            List<String> ids = work.pushAll(payloads, JobOptions.defaults());
            List<String> longJobs = IntStream.range(0, JOBS).filter(n -> payloads.get(n).millis() > 1000)
                    .mapToObj(ids::get).toList();
            String[] longIds = longJobs.toArray(String[]::new);
            await("a runs a long job").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM runs WHERE node = 'a' AND job_id = ANY (?)",
                            (Object) longIds) > 0 && cluster.count("SELECT COUNT(*) FROM runs WHERE node = 'a' "
                            + "AND NOT job_id = ANY (?)", (Object) longIds) > 0);

            // when a is asked to stop
            long signalled = System.nanoTime();
            a.terminate();
            assertThat(a.awaitExit(GRACE.plusSeconds(15))).as("a exits after its grace period").isTrue();
            Duration stopTook = Duration.ofNanos(System.nanoTime() - signalled);

            // then b finishes everything, and only what a handed back ran twice
            await("all jobs done").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'")
                            == JOBS);
            String log = a.log();
            Matcher stopping = STOPPING.matcher(log);
            assertThat(stopping.find()).as(log).isTrue();
            Instant stopBegan = Instant.parse(stopping.group(1));
            Set<String> handedBack = new HashSet<>();
            Matcher m = HANDED_BACK.matcher(log);
            while (m.find()) {
                Arrays.stream(m.group(1).split(",\\s*")).filter(s -> !s.isBlank()).forEach(handedBack::add);
            }
            Set<String> twice = cluster.query("SELECT job_id FROM duplicates").stream()
                    .map(r -> (String) r.get("job_id")).collect(Collectors.toSet());
            List<Instant> aStartedLate = new ArrayList<>();
            for (var row : cluster.query("SELECT started_at FROM runs WHERE node = 'a' UNION ALL "
                    + "SELECT started_at FROM duplicates WHERE node = 'a'")) {
                Instant started = ((Timestamp) row.get("started_at")).toInstant();
                if (started.isAfter(stopBegan.plusMillis(250))) {
                    aStartedLate.add(started);
                }
            }
            Instant handBackAt = handBackInstant(log);
            long reranBeforeHandBack = cluster.query("SELECT started_at FROM duplicates").stream()
                    .map(r -> ((Timestamp) r.get("started_at")).toInstant())
                    .filter(t -> handBackAt == null || t.isBefore(handBackAt)).count();
            Duration pickedUp = cluster.query("SELECT MIN(started_at) AS t FROM duplicates").stream()
                    .map(r -> (Timestamp) r.get("t")).filter(t -> t != null && handBackAt != null)
                    .map(t -> Duration.between(handBackAt, t.toInstant())).findFirst().orElse(null);
            long finishedInGrace = cluster.count("SELECT COUNT(*) FROM runs r JOIN apiary_jobs j ON j.id = r.job_id "
                    + "WHERE r.node = 'a' AND NOT r.job_id = ANY (?) AND j.finished_at IS NOT NULL", (Object) longIds);
            cluster.summary("jobs=" + JOBS + " nodes=2 faults=SIGTERM to node a (grace "
                    + GRACE.toSeconds() + " s, lease " + Cluster.LEASE.toSeconds() + " s) lost="
                    + (JOBS - cluster.count("SELECT COUNT(*) FROM runs")) + " runTwice="
                    + twice.size() + " (the " + handedBack.size() + " 10 s jobs a handed back when its grace period "
                    + "ran out; rerun by b, none before the hand-back; b started the first "
                    + (pickedUp == null ? "-" : pickedUp.toMillis()) + " ms after the hand-back) a ran "
                    + finishedInGrace + " short jobs in all, "
                    + "started none after the signal, exited " + stopTook.toMillis() + " ms after SIGTERM");

            assertThat(handedBack).as("handed back").isNotEmpty().isSubsetOf(longJobs);
            assertThat(twice).as("ran twice").isEqualTo(handedBack);
            assertThat(reranBeforeHandBack).as("reruns that began while a still held the job").isZero();
            assertThat(aStartedLate).as("runs a started after it was asked to stop").isEmpty();
            assertThat(cluster.count("SELECT COUNT(*) FROM runs")).isEqualTo(JOBS);
            assertThat(cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status <> 'DONE'")).isZero();
            // a hand-back does not count the attempt
            assertThat(cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE attempts <> 1")).isZero();
            assertThat(stopTook).isGreaterThanOrEqualTo(GRACE).isLessThan(GRACE.plusSeconds(10));
            assertThat(log).contains("NODE a STOPPED");
        }
    }

    /** When a logged its hand-back (the log's time of day, today in UTC). */
    private static Instant handBackInstant(String log) {
        Matcher m = Pattern.compile("(?m)^(\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) \\S+ \\S+: Worker \\S+ hands back").matcher(log);
        if (!m.find()) {
            return null;
        }
        return Instant.parse(java.time.LocalDate.now(java.time.ZoneOffset.UTC) + "T" + m.group(1) + "Z");
    }
}
