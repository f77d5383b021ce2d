package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example's {@code report} worker on WildFly, whose default managed executor has 4 threads here, filled with
 * reports of 90 s, far longer than the worker's 4 s lease; a second WildFly (another port offset) on the same
 * PostgreSQL starts while they run. Node A lives throughout, so a report that starts on node B too ran twice at once:
 * every report must start exactly once across both logs and end DONE. It holds only when A's heartbeats do not wait
 * behind its jobs on the job executor. Two servers at once, about 5 minutes: {@code -Plong}, or {@code -Dit.test=}.
 * <p>
 * It failed before heartbeats ran on the monitor's scheduler (2026-12-07): node A's heartbeats waited behind its 4
 * reports on the 4-thread pool, node B's orphan sweep re-enqueued all 4 running reports 10 s after B started and B
 * ran them at once beside A (each started twice, one ended FAILED). Now each of the 4 reports starts once and ends
 * DONE (127 s in all).
 */
class WildFlyReportOverlapLongIT {

    private static final int REPORTS = 4;
    private static final int REPORT_SECONDS = 90;
    private static final Duration DONE_TIMEOUT = Duration.ofSeconds(300);

    @Test
    void longReportsOnAFullPoolRunOnceWhileASecondNodeWatches() throws Exception {
        Path warFile = Path.of(System.getProperty("smoke.war", "target/apiary-example.war"));
        Path work = Path.of(System.getProperty("smoke.work", "target/smoke")).resolve("wildfly-overlap");
        WildFly a = new WildFly();
        WildFly b = new WildFly();
        Http http = new Http("admin:admin");
        try (a; b; StorageOutageSmoke database = StorageOutageSmoke.start(work)) {
            Path war = database.war(warFile);
            Map<String, String> settings = new HashMap<>(SmokeScenario.settings(a));
            // as many report slots as WildFly's default pool has threads, a lease a quarter of a report's length
            settings.putAll(Map.of("APIARY_WORKERS_REPORT_BUILDER_CONCURRENCY", "4",
                    "APIARY_WORKERS_REPORT_BUILDER_LEASE", "4s",
                    "APIARY_WORKERS_REPORT_BUILDER_HEARTBEAT_INTERVAL", "1s"));
            try {
                a.start(war, work.resolve("a"), settings);
                awaitReady(a, http);
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < REPORTS; i++) {
                    Http.Answer pushed = http.post(a.app().resolve("api/queues/report/jobs"),
                            "{\"name\":\"overlap-" + i + "\",\"seconds\":" + REPORT_SECONDS + "}");
                    assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
                    ids.add(pushed.object().getString("id"));
                }
                awaitStarted(a, ids);

                b.start(war, work.resolve("b"), settings);
                awaitReady(b, http);
                // node B must be up while A's reports run, or the test proves nothing
                List<String> aLog = a.logLines();
                assertThat(ids).as("reports still running on node A when node B was ready")
                        .noneMatch(id -> aLog.stream().anyMatch(l -> l.contains("report " + id + " ")
                                && l.contains(": done")));

                Map<String, String> statuses = new TreeMap<>();
                for (String id : ids) {
                    statuses.put(id, awaitFinal(a, http, id));
                }
                Map<String, Integer> starts = new TreeMap<>();
                for (WildFly node : List.of(a, b)) {
                    for (String line : node.logLines()) {
                        for (String id : ids) {
                            if (line.contains("report " + id + " ") && line.contains(": building")) {
                                starts.merge(id, 1, Integer::sum);
                            }
                        }
                    }
                }
                System.out.printf("wildfly overlap: %d reports of %d s, lease 4 s, starts per report %s%n", REPORTS,
                        REPORT_SECONDS, starts);
                assertThat(starts).as("starts per report on both nodes while node A lived").hasSize(REPORTS)
                        .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
                assertThat(statuses).as("final states")
                        .allSatisfy((id, status) -> assertThat(status).isEqualTo("DONE"));
            } catch (AssertionError | Exception e) {
                throw new AssertionError("two WildFly nodes: " + e.getMessage() + "\n--- node A ---\n"
                        + a.logTail(40) + "\n--- node B ---\n" + b.logTail(40), e);
            }
        }
    }

    private static void awaitReady(WildFly server, Http http) throws Exception {
        Instant deadline = Instant.now().plus(SmokeScenario.BOOT_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            assertThat(server.isAlive()).as("wildfly alive").isTrue();
            try {
                Http.Answer ready = http.get(server.health().resolve("ready"));
                if (ready.status() == 200 && ready.body().contains("apiary-workers")) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("wildfly not ready within " + SmokeScenario.BOOT_TIMEOUT);
    }

    private static void awaitStarted(WildFly server, List<String> ids) throws Exception {
        Instant deadline = Instant.now().plus(SmokeScenario.JOBS_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            List<String> log = server.logLines();
            if (ids.stream().allMatch(id -> log.stream().anyMatch(l -> l.contains("report " + id + " ")
                    && l.contains(": building")))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the reports did not all start on node A within " + SmokeScenario.JOBS_TIMEOUT);
    }

    private static String awaitFinal(WildFly server, Http http, String id) throws Exception {
        Instant deadline = Instant.now().plus(DONE_TIMEOUT);
        String status = "";
        while (Instant.now().isBefore(deadline)) {
            status = http.get(server.app().resolve("apiary/api/queues/report/jobs/" + id)).object()
                    .getString("status");
            if (List.of("DONE", "FAILED", "KILLED").contains(status)) {
                return status;
            }
            Thread.sleep(500);
        }
        return status;
    }
}
