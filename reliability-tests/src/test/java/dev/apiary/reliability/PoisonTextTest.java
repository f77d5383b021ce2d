package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.reliability.Payloads.PoisonText;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 21: a handler whose failures carry text that PostgreSQL refuses (NUL), that no UTF-8 database can store
 * (surrogates without their partner) or that should not be kept whole (10 MB), among thousands of ordinary jobs of
 * the same worker: every job ends within seconds, the bad ones failed with a reason one can read, and no outcome
 * waits behind another.
 */
class PoisonTextTest {

    private static final int NORMAL = 5_000;
    private static final List<String> KINDS = List.of("nul", "surrogate", "huge");
    private static final int EACH_KIND = 10;

    @Test
    void failuresWithNulBrokenOrHugeTextEndFailedReadablyAndEveryOtherJobIsDone() throws Exception {
        try (Cluster cluster = Cluster.start("poison-text")) {
            // given one node whose poisontext worker fails some jobs with such text
            Node node = cluster.startNode("a", Duration.ofSeconds(10), Map.of(
                    "apiary.workers.poisontext.enabled", "true"));
            node.awaitReady(Duration.ofSeconds(60));

            // when the bad jobs come spread among 5,000 ordinary ones, two attempts each
            int bad = KINDS.size() * EACH_KIND;
            List<PoisonText> payloads = new ArrayList<>();
            for (int n = 0; n < NORMAL + bad; n++) {
                int spacing = (NORMAL + bad) / bad;
                payloads.add(new PoisonText(n, n % spacing == spacing / 2 && n / spacing < bad
                        ? KINDS.get(n / spacing % KINDS.size()) : null));
            }
            long start = System.nanoTime();
            List<String> ids = cluster.storage("poisontext", PoisonText.class).pushAll(payloads,
                    JobOptions.defaults().withMaxAttempts(2));

            // then every job is final within seconds
            await("every job final").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.count("SELECT COUNT(*) FROM apiary_jobs WHERE queue = 'poisontext' "
                            + "AND status IN ('DONE', 'FAILED', 'KILLED')") == NORMAL + bad);
            Duration allFinal = Duration.ofNanos(System.nanoTime() - start);

            assertThat(cluster.statusCounts("poisontext")).containsOnly(Map.entry("DONE", (long) NORMAL),
                    Map.entry("FAILED", (long) bad));
            assertThat(cluster.count("SELECT COUNT(*) FROM runs")).isEqualTo(NORMAL);
            assertThat(cluster.count("SELECT COUNT(*) FROM duplicates")).isZero();

            // the bad ones failed after both attempts, with a reason that says what the handler threw
            int longest = 0;
            for (int i = 0; i < payloads.size(); i++) {
                PoisonText p = payloads.get(i);
                if (p.kind() == null) {
                    continue;
                }
                Map<String, Object> job = cluster.query("SELECT status, attempts, last_error FROM apiary_jobs "
                        + "WHERE id = ?", ids.get(i)).get(0);
                assertThat(job).containsEntry("status", "FAILED").containsEntry("attempts", 2);
                String error = (String) job.get("last_error");
                longest = Math.max(longest, error.length());
                assertThat(error).contains("at dev.apiary.reliability.NodeWorkers$PoisonTextWorker.handle");
                switch (p.kind()) {
                    case "nul" -> assertThat(error).startsWith("java.lang.IllegalStateException: upstream said "
                            + "\uFFFD in reply " + p.n()).contains("Caused by: java.io.IOException: and its cause "
                            + "\uFFFD too");
                    case "surrogate" -> assertThat(error).startsWith("java.lang.IllegalStateException: upstream "
                            + "sent \uFFFD broken \uFFFD text in reply " + p.n());
                    default -> assertThat(error).startsWith("java.lang.IllegalStateException: upstream reply "
                            + p.n() + " of 10 MB: xxx").contains("characters cut").hasSizeLessThanOrEqualTo(100_000)
                            .contains("at dev.apiary.reliability.NodeWorkers$PoisonTextWorker.handle");
                }
            }

            // and the node never had to hold outcomes back, and is well
            assertThat(node.log()).doesNotContain("cannot write back").doesNotContain("crashed (");
            Node.Health ready = node.healthResponse("ready");
            assertThat(ready.up()).as(ready.body()).isTrue();
            assertThat(ready.body()).contains("restarts=0");

            cluster.summary("jobs=" + (NORMAL + bad) + " (" + NORMAL + " ordinary, " + bad + " failing with NUL, "
                    + "lone surrogates or 10 MB messages, 2 attempts each) nodes=1 done=" + NORMAL + " failed=" + bad
                    + " lost=0 runTwice=0 allFinalAfter=" + allFinal.toMillis() + " ms; longest stored error "
                    + longest + " characters; no settle held back, no poller restart");
        }
    }
}
