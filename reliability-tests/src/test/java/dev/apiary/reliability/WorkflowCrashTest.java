package dev.apiary.reliability;

import dev.apiary.JobStatus;
import dev.apiary.flow.FlowView;
import dev.apiary.flow.Flows;
import dev.apiary.flow.Workflow;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Step;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 25: a workflow of three levels (a root, 998 steps after it, a join after all of them) over 1,000 jobs on two
 * worker JVMs, one of which is killed with SIGKILL in the middle of the second level. The other node finishes the
 * workflow: every step ends done, only steps the killed node held run again, and the join runs exactly once, with
 * every parent's result. 15 to 60 s.
 */
class WorkflowCrashTest {

    private static final int PARTS = 998;

    @Test
    void aWorkflowFinishesOnceAfterANodeIsKilledMidWay() throws Exception {
        try (Cluster cluster = Cluster.start("workflow-crash")) {
            // given two nodes serving the workflow's queues
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("apiary.workers.work.enabled", "false");
            settings.put(RunLog.RECORD_ENDS, "true");
            for (String worker : List.of("step", "stepjoin")) {
                settings.put("apiary.workers." + worker + ".enabled", "true");
                settings.put("apiary.workers." + worker + ".heartbeat-interval", Cluster.HEARTBEAT.toMillis() + "ms");
                settings.put("apiary.workers." + worker + ".lease", Cluster.LEASE.toMillis() + "ms");
                settings.put("apiary.workers." + worker + ".max-poll-interval", "1s");
            }
            List<Node> nodes = List.of(cluster.startNode("a", Duration.ofSeconds(10), settings),
                    cluster.startNode("b", Duration.ofSeconds(10), settings));
            nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(60)));
            JpaJobStorage<Step> steps = cluster.storage("step", Step.class);
            JpaJobStorage<JsonObject> joins = cluster.storage("stepjoin", JsonObject.class);
            Flows flows = Flows.over(steps, joins);
            Workflow.Builder builder = Workflow.named("three-levels").step("root", "step", new Step(0, 60));
            List<String> parts = IntStream.range(0, PARTS).mapToObj(i -> "p" + i).toList();
            parts.forEach(part -> builder.step(part, "step").after("root"));
            builder.step("join", "stepjoin").after(parts.toArray(String[]::new));

            // when the workflow starts and node b is killed once it has run 150 of its steps
            String id = flows.start(builder.build());
            Node victim = nodes.get(1);
            await("node b busy").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM runs WHERE node = 'b'") >= 150);
            victim.kill();
            assertThat(victim.awaitExit(Duration.ofSeconds(10))).isTrue();
            long releasedAtKill = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE queue = 'step' "
                    + "AND status <> 'WAITING'");
            long doneAtKill = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE queue = 'step' "
                    + "AND status = 'DONE'");
            List<String> victimWorkers = cluster.query("SELECT DISTINCT worker_id FROM runs WHERE node = 'b'")
                    .stream().map(r -> (String) r.get("worker_id")).toList();
            long heldAtKill = cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'RUNNING' "
                    + "AND worker_id = ANY (?)", (Object) victimWorkers.toArray(String[]::new));

            // then node a finishes it: every step done, the join once, with all results
            await("workflow finished").atMost(Cluster.LEASE.plusSeconds(120)).pollInterval(Duration.ofMillis(250))
                    .until(() -> flows.find(id).orElseThrow().isFinished());
            FlowView flow = flows.find(id).orElseThrow();
            String joinId = flow.step("join").jobId();
            long runs = cluster.count("SELECT COUNT(*) FROM runs");
            long duplicates = cluster.count("SELECT COUNT(*) FROM duplicates");
            long duplicatesFirstRunElsewhere = cluster.count("SELECT COUNT(*) FROM duplicates d JOIN runs r "
                    + "ON r.job_id = d.job_id WHERE r.node <> 'b'");
            long endedTwice = cluster.count("SELECT COUNT(*) FROM (SELECT job_id FROM ends GROUP BY job_id "
                    + "HAVING COUNT(*) > 1) t");
            long joinRuns = cluster.count("SELECT (SELECT COUNT(*) FROM runs WHERE job_id = ?) "
                    + "+ (SELECT COUNT(*) FROM duplicates WHERE job_id = ?)", joinId, joinId);
            cluster.summary("workflow of 1 + " + PARTS + " + 1 jobs on 2 nodes, node b killed with " + heldAtKill
                    + " steps claimed and " + doneAtKill + " of " + (PARTS + 1) + " steps done: runs=" + runs
                    + " runTwice=" + duplicates + " endedTwice=" + endedTwice + " joinRuns=" + joinRuns);

            assertThat(releasedAtKill).as("the second level released at the kill").isEqualTo(PARTS + 1);
            assertThat(doneAtKill).as("killed mid-way: the second level not finished").isLessThan(PARTS + 1);
            assertThat(flow.counts()).containsEntry(JobStatus.DONE, (long) PARTS + 2);
            assertThat(runs).as("every job started").isEqualTo(PARTS + 2);
            assertThat(heldAtKill).isPositive();
            assertThat(duplicatesFirstRunElsewhere).as("jobs run twice but not first on b").isZero();
            assertThat(duplicates).as("only jobs b held run again").isLessThanOrEqualTo(heldAtKill);
            assertThat(endedTwice).as("steps run to completion twice").isLessThanOrEqualTo(duplicates);
            assertThat(joinRuns).as("the join runs once").isEqualTo(1);
            assertThat(joins.find(joinId).orElseThrow().result()).as("the join saw every part's result")
                    .isEqualTo(String.valueOf(PARTS));
        }
    }
}
