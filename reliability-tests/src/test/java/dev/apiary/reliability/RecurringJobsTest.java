package dev.apiary.reliability;

import org.junit.jupiter.api.Test;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12: three worker JVMs run a schedule that fires every second. Every fire is enqueued exactly once and none
 * is skipped, also while one node is killed; after every node was stopped for longer than the misfire threshold,
 * the restarted nodes apply the default policy (one job for all the fires older than the threshold, each later
 * one on its own) and go on firing every second.
 */
class RecurringJobsTest {

    private static final Map<String, String> SCHEDULE_ON = Map.of("apiary.schedules.every-second.enabled", "true",
            "apiary.workers.tick.enabled", "true");
    /** {@code @Recurring(misfireThreshold)} of the every-second schedule on the nodes. */
    private static final Duration THRESHOLD = Duration.ofSeconds(10);
    /** Twice the threshold: whatever the restart takes, fires older than the threshold were missed. */
    private static final Duration DOWNTIME = THRESHOLD.multipliedBy(2);
    private static final Duration PERIOD = Duration.ofSeconds(1);

    /** One enqueued fire: its fire time (from its unique key) and when a node enqueued it. */
    private record Fire(Instant at, Instant enqueuedAt) {
    }

    private static List<Fire> fires(Cluster cluster) {
        return cluster.query("SELECT unique_key, enqueued_at FROM apiary_jobs WHERE queue = 'tick'").stream()
                .map(row -> new Fire(Instant.parse(((String) row.get("unique_key")).split("@")[1]),
                        ((Timestamp) row.get("enqueued_at")).toLocalDateTime().toInstant(ZoneOffset.UTC)))
                .sorted((x, y) -> x.at().compareTo(y.at()))
                .toList();
    }

    private static long firesAfter(Cluster cluster, Instant after) {
        return fires(cluster).stream().filter(f -> f.at().isAfter(after)).count();
    }

    /** Fires missing between the first and the last of {@code fires}, which must be one period apart. */
    private static long skipped(List<Fire> fires) {
        long expected = Duration.between(fires.get(0).at(), fires.get(fires.size() - 1).at()).dividedBy(PERIOD) + 1;
        return expected - fires.size();
    }

    private static Duration longestGap(List<Fire> fires) {
        Duration longest = Duration.ZERO;
        for (int i = 1; i < fires.size(); i++) {
            Duration gap = Duration.between(fires.get(i - 1).enqueuedAt(), fires.get(i).enqueuedAt());
            longest = gap.compareTo(longest) > 0 ? gap : longest;
        }
        return longest;
    }

    @Test
    void everyFireIsEnqueuedOnceAcrossNodesThroughAKillAndAMisfireAfterDowntime() throws Exception {
        try (Cluster cluster = Cluster.start("recurring")) {
            // given three nodes that all run the every-second schedule
            List<Node> nodes = List.of(cluster.startNode("a", Duration.ofSeconds(5), SCHEDULE_ON),
                    cluster.startNode("b", Duration.ofSeconds(5), SCHEDULE_ON),
                    cluster.startNode("c", Duration.ofSeconds(5), SCHEDULE_ON));
            nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(90)));
            await("15 fires under three nodes").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> fires(cluster).size() >= 15);

            // when node b is killed, the other two go on for 15 s
            nodes.get(1).kill();
            Instant killedAt = Instant.now();
            assertThat(nodes.get(1).awaitExit(Duration.ofSeconds(10))).isTrue();
            await("15 fires after the kill").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> firesAfter(cluster, killedAt) >= 15);

            // and then every node is stopped for longer than the misfire threshold
            nodes.get(0).terminate();
            nodes.get(2).terminate();
            assertThat(nodes.get(0).awaitExit(Duration.ofSeconds(30))).isTrue();
            assertThat(nodes.get(2).awaitExit(Duration.ofSeconds(30))).isTrue();
            List<Fire> beforeDowntime = fires(cluster);
            Instant lastBefore = beforeDowntime.get(beforeDowntime.size() - 1).at();
            Thread.sleep(DOWNTIME.toMillis());   // the downtime itself, not a wait for something to happen
            List<Node> restarted = List.of(cluster.startNode("a2", Duration.ofSeconds(5), SCHEDULE_ON),
                    cluster.startNode("b2", Duration.ofSeconds(5), SCHEDULE_ON),
                    cluster.startNode("c2", Duration.ofSeconds(5), SCHEDULE_ON));
            restarted.forEach(n -> n.awaitReady(Duration.ofSeconds(90)));
            Instant allReady = Instant.now();
            await("3 fires after the restart").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> firesAfter(cluster, allReady) >= 3);
            restarted.forEach(Node::terminate);

            // then: no fire twice, none skipped while a node was up, no gap over two periods after the kill
            List<Fire> all = fires(cluster);
            long distinct = all.stream().map(Fire::at).distinct().count();
            List<Fire> running = all.stream().filter(f -> !f.at().isAfter(lastBefore)).toList();
            List<Fire> afterKill = running.stream().filter(f -> f.enqueuedAt().isAfter(killedAt)).toList();
            List<Fire> afterRestart = all.stream().filter(f -> f.at().isAfter(lastBefore)).toList();
            Instant firstAfter = afterRestart.get(0).at();
            long missedInDowntime = Duration.between(lastBefore, firstAfter).dividedBy(PERIOD);
            long expectedRunning = running.size() + skipped(running);
            // how late fires were enqueued while nodes were up (after the restart they are late by design)
            Duration lateness = running.stream().map(f -> Duration.between(f.at(), f.enqueuedAt()))
                    .max(Duration::compareTo).orElseThrow();
            cluster.summary("schedule every second, 3 nodes then 2 (SIGKILL of b) for "
                    + Duration.between(running.get(0).at(), lastBefore).toSeconds() + " s: fires expected="
                    + expectedRunning + " enqueued=" + running.size() + " duplicates=" + (all.size() - distinct)
                    + "; longest gap between enqueues after the kill=" + longestGap(afterKill).toMillis()
                    + " ms; latest enqueue after its fire time before the downtime=" + lateness.toMillis()
                    + " ms; all nodes down " + DOWNTIME.toSeconds() + " s (and while the JVMs stopped and started): "
                    + missedInDowntime + " fires missed (older than the threshold), enqueued 1 (FIRE_ONCE, at "
                    + firstAfter + "), then expected=" + (afterRestart.size() + skipped(afterRestart))
                    + " enqueued=" + afterRestart.size());

            assertThat(all).hasSize((int) distinct);
            assertThat(skipped(running)).as("fires skipped while nodes were up").isZero();
            assertThat(Duration.between(running.get(0).at(), lastBefore))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(29));
            assertThat(longestGap(afterKill)).isLessThanOrEqualTo(PERIOD.multipliedBy(2));
            assertThat(missedInDowntime).as("fires missed while every node was down, enqueued as one")
                    .isGreaterThanOrEqualTo(DOWNTIME.minus(THRESHOLD).dividedBy(PERIOD));
            assertThat(skipped(afterRestart)).as("fires skipped after the restart").isZero();
        }
    }
}
