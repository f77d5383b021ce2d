package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.QueueLimits;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Paced;
import dev.apiary.reliability.Payloads.Work;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Limits across nodes: three worker JVMs with twelve slots in all share one queue whose limits come from the
 * configuration keys on each node: at most 5 running on all nodes, and at most 2 of one tenant. Sampled from the
 * database every few milliseconds, no limit is ever passed; the queue's slots stay mostly busy, and a tenant holding
 * 90 % of the backlog leaves the other tenants' jobs to finish long before its own. A second queue with a rate of 20
 * starts a second, on 24 slots, starts 20 (within 10 %) in each whole second of its drain after the first two.
 */
class QueueLimitsAcrossNodesTest {

    private static final int GLOBAL = 5;
    private static final int PER_KEY = 2;
    private static final int UNKEYED_JOBS = 100;
    private static final long UNKEYED_MILLIS = 100;
    private static final int BIG_JOBS = 171;
    private static final int SMALL_KEYS = 19;
    private static final long KEYED_MILLIS = 50;
    private static final int RATE = 20;
    private static final int PACED_JOBS = 110;
    /** Milliseconds since the epoch of a LocalDateTime column, which the storage writes in UTC. */
    private static final String MILLIS = "ROUND(EXTRACT(EPOCH FROM %s) * 1000)";

    @Test
    void noNodePassesTheGlobalKeyOrRateLimitsAndNoKeyHoldsUpTheOthers() throws Exception {
        try (Cluster cluster = Cluster.start("limits")) {
            Map<String, String> settings = new HashMap<>(Map.of("apiary.workers.work.concurrency", "4",
                    "apiary.queues.work.max-running", String.valueOf(GLOBAL),
                    "apiary.queues.work.partition-by", "metadata:tenant",
                    "apiary.queues.work.max-running-per-key", String.valueOf(PER_KEY)));
            settings.putAll(Map.of("apiary.workers.paced.enabled", "true",
                    "apiary.queues.paced.rate", RATE + "/1s"));
            List<Node> nodes = List.of(cluster.startNode("a", Duration.ofSeconds(5), settings),
                    cluster.startNode("b", Duration.ofSeconds(5), settings),
                    cluster.startNode("c", Duration.ofSeconds(5), settings));
            nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(60)));
            // the pushing side reads the partition key, so it is given the same limits as the nodes
            JpaJobStorage<Work> work = cluster.storage("work", Work.class);
            work.limit(QueueLimits.none().withMaxRunning(GLOBAL)
                    .partitionedBy(QueueLimits.PartitionKey.metadata("tenant")).withMaxRunningPerKey(PER_KEY));

            try (RunningSampler sampler = new RunningSampler(cluster, "work", 5)) {
                // given 100 jobs of 100 ms without a tenant: only the global limit of 5 applies to them
                work.pushAll(IntStream.range(0, UNKEYED_JOBS).mapToObj(n -> new Work(n, UNKEYED_MILLIS)).toList(),
                        JobOptions.defaults());

                // then they drain on twelve slots, never more than 5 at once, and at close to 5 slots' rate
                await("the unkeyed jobs done").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'")
                                == UNKEYED_JOBS);
                long drainMillis = cluster.count("SELECT " + MILLIS.formatted("MAX(finished_at)") + " - "
                        + MILLIS.formatted("MIN(enqueued_at)") + " FROM apiary_jobs");
                long ideal = UNKEYED_JOBS * UNKEYED_MILLIS / GLOBAL;
                int globalMax = sampler.maxRunning();
                double meanRunning = sampler.meanRunning();
                long globalSamples = sampler.samples();
                long nodesUsed = cluster.count("SELECT COUNT(DISTINCT node) FROM runs");
                sampler.reset();

                // given a tenant holding 90 % of the backlog, pushed first, and 19 tenants of one job each
                work.pushAll(IntStream.range(0, BIG_JOBS).mapToObj(n -> new Work(1000 + n, KEYED_MILLIS)).toList(),
                        JobOptions.defaults().withMetadata("tenant", "big"));
                for (int k = 1; k <= SMALL_KEYS; k++) {
                    work.push(new Work(2000 + k, KEYED_MILLIS),
                            JobOptions.defaults().withMetadata("tenant", "small-" + k));
                }

                // then no tenant ever runs more than 2 at once, and the small tenants finish long before the big one
                await("the keyed jobs done").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                        .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE status = 'DONE'")
                                == UNKEYED_JOBS + BIG_JOBS + SMALL_KEYS);
                long smallDone = cluster.count("SELECT " + MILLIS.formatted("MAX(finished_at)")
                        + " FROM apiary_jobs WHERE partition_key LIKE 'small-%'");
                long bigDone = cluster.count("SELECT " + MILLIS.formatted("MAX(finished_at)")
                        + " FROM apiary_jobs WHERE partition_key = 'big'");
                long keyedStart = cluster.count("SELECT " + MILLIS.formatted("MIN(enqueued_at)")
                        + " FROM apiary_jobs WHERE partition_key IS NOT NULL");
                int keyMax = sampler.maxOfOneKey();
                int keyedGlobalMax = sampler.maxRunning();

                // given a queue of a rate of 20 starts a second on 24 slots, whose claims the database records as
                // they happen (the handler's own record of its start may come late on a loaded machine)
                cluster.execute("CREATE TABLE claims (job_id VARCHAR(36) NOT NULL, "
                        + "claimed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())");
                cluster.execute("CREATE FUNCTION record_claim() RETURNS trigger AS $$ BEGIN "
                        + "INSERT INTO claims (job_id) VALUES (NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql");
                cluster.execute("CREATE TRIGGER paced_claims AFTER UPDATE OF status ON apiary_jobs FOR EACH ROW "
                        + "WHEN (NEW.queue = 'paced' AND NEW.status = 'RUNNING' AND OLD.status <> 'RUNNING') "
                        + "EXECUTE FUNCTION record_claim()");
                JpaJobStorage<Paced> paced = cluster.storage("paced", Paced.class);
                // when 110 jobs are pushed at once
                paced.pushAll(IntStream.range(0, PACED_JOBS).mapToObj(Paced::new).toList(), JobOptions.defaults());
                await("the paced jobs done").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE queue = 'paced' "
                                + "AND status = 'DONE'") == PACED_JOBS);
                // starts per whole second of the drain, left out: the first and last (partly in the drain), and the
                // second one, into which a claim of the first period that was still waiting for the queue's lock at
                // the turn of the second may have written its starts
                List<Long> perSecond = cluster.query("SELECT date_trunc('second', claimed_at) AS s, COUNT(*) AS n "
                                + "FROM claims GROUP BY 1 ORDER BY 1").stream()
                        .map(row -> ((Number) row.get("n")).longValue()).toList();
                List<Long> wholeSeconds = perSecond.subList(Math.min(2, perSecond.size()),
                        Math.max(Math.min(2, perSecond.size()), perSecond.size() - 1));

                cluster.summary("3 nodes x 4 slots, max-running " + GLOBAL + ": " + UNKEYED_JOBS + " jobs of "
                        + UNKEYED_MILLIS + " ms drained in " + drainMillis + " ms (5 slots allow " + ideal
                        + " ms: " + (100 * ideal / drainMillis) + " % of their rate), at most " + globalMax
                        + " and on average " + "%.1f".formatted(meanRunning) + " running in " + globalSamples
                        + " samples, on " + nodesUsed + " nodes; per key "
                        + PER_KEY + ", " + BIG_JOBS + " jobs of one tenant and " + SMALL_KEYS
                        + " of others: small tenants done after " + (smallDone - keyedStart) + " ms, the big one after "
                        + (bigDone - keyedStart) + " ms, at most " + keyMax + " of one tenant and " + keyedGlobalMax
                        + " in all running in " + sampler.samples() + " samples; rate " + RATE + "/s, "
                        + PACED_JOBS + " jobs on 3 x 8 slots: starts per second " + perSecond);

                assertThat(globalMax).as("most running at once, sampled").isEqualTo(GLOBAL);
                assertThat(globalSamples).as("samples taken").isGreaterThan(100);
                // the slots stay taken: a freed one is claimed again soon, not at some node's next idle poll (the
                // bounds are loose: on a loaded 2-core machine claims, which take turns on the queue's row, slow down)
                assertThat(meanRunning).as("mean running during the drain, sampled").isGreaterThan(GLOBAL * 0.3);
                assertThat(drainMillis).as("drain time of the unkeyed jobs, ms").isLessThan(ideal * 8);
                assertThat(nodesUsed).as("nodes that ran jobs").isGreaterThan(1);
                assertThat(keyMax).as("most running of one tenant at once, sampled").isEqualTo(PER_KEY);
                assertThat(keyedGlobalMax).as("most running at once, sampled").isLessThanOrEqualTo(GLOBAL);
                assertThat(smallDone - keyedStart).as("ms until every small tenant's job was done")
                        .isLessThan((bigDone - keyedStart) / 2);
                assertThat(wholeSeconds).as("starts in each whole second of the paced drain").hasSizeGreaterThan(2)
                        .allSatisfy(n -> assertThat(n).isBetween(RATE * 9L / 10, RATE * 11L / 10));
            }
            assertThat(cluster.count("SELECT COUNT(*) FROM duplicates")).isZero();
            nodes.forEach(n -> assertThat(n.log()).doesNotContain("SEVERE"));
        }
    }
}
