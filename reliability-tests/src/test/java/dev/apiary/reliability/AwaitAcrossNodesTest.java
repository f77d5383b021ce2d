package dev.apiary.reliability;

import dev.apiary.JobOptions;
import dev.apiary.JobResult;
import dev.apiary.JobStatus;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Answer;
import dev.apiary.reliability.Payloads.Question;
import dev.apiary.worker.Monitor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 25: a caller in one process awaits jobs that a worker node, another JVM, runs. The caller's monitor polls only
 * once an hour, so every wait that ends within seconds was woken by the node's completion notification (NOTIFY on
 * {@code apiary_finished} after the settle's commit, received by the caller's LISTEN). About 6 to 35 s.
 */
class AwaitAcrossNodesTest {

    private static final int ROUNDS = 30;

    @Test
    void awaitEndsWhenTheJobFinishesOnAnotherNodeWokenByItsNotification() throws Exception {
        try (Cluster cluster = Cluster.start("await")) {
            // given a worker node for queue 'answer', and a caller process that only waits
            Node node = cluster.startNode("a", Duration.ofSeconds(1), Map.of("apiary.workers.answer.enabled", "true",
                    "apiary.node", "answer-a"));
            node.awaitReady(Duration.ofSeconds(60));
            JpaJobStorage<Question> answers = cluster.listeningStorage("answer", Question.class);
            Monitor caller = Monitor.create().awaitPollInterval(Duration.ofHours(1));
            try {
                // the first wait also opens the caller's LISTEN connection
                String first = answers.push(new Question(0, false));
                assertThat(caller.await(answers, first, Answer.class, Duration.ofSeconds(30)).toCompletableFuture()
                        .get(60, TimeUnit.SECONDS).value()).isEqualTo(new Answer(0, "answer-a"));

                // when the caller pushes a question and awaits its answer, one at a time
                List<Long> millis = new ArrayList<>();
                for (int n = 1; n <= ROUNDS; n++) {
                    long pushed = System.nanoTime();
                    String id = answers.push(new Question(n, false));
                    JobResult<Answer> result = caller.await(answers, id, Answer.class, Duration.ofSeconds(30))
                            .toCompletableFuture().get(60, TimeUnit.SECONDS);
                    millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pushed));

                    // then the wait ends with the answer the other node gave
                    assertThat(result.status()).isEqualTo(JobStatus.DONE);
                    assertThat(result.value()).isEqualTo(new Answer(2 * n, "answer-a"));
                }

                // and a failed job ends its wait with its status and error, and a set of waits ends with them all
                String failing = answers.push(new Question(-1, true));
                JobResult<Answer> failed = caller.await(answers, failing, Answer.class, Duration.ofSeconds(30))
                        .toCompletableFuture().get(60, TimeUnit.SECONDS);
                assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
                assertThat(failed.error()).isEqualTo("question -1 has no answer");
                List<String> ids = answers.pushAll(List.of(new Question(100, false), new Question(101, false),
                        new Question(102, true)), JobOptions.defaults());
                List<JobResult<Answer>> all = caller.awaitAll(answers, ids, Answer.class, Duration.ofSeconds(30))
                        .toCompletableFuture().get(60, TimeUnit.SECONDS);
                assertThat(all).extracting(JobResult::status)
                        .containsExactly(JobStatus.DONE, JobStatus.DONE, JobStatus.FAILED);

                List<Long> sorted = new ArrayList<>(millis);
                Collections.sort(sorted);
                cluster.summary("rounds=" + ROUNDS + " pushToAwaitedMillis p50=" + sorted.get(sorted.size() / 2)
                        + " max=" + sorted.get(sorted.size() - 1) + " (callers poll hourly: woken by NOTIFY)");
                // far below the caller's hourly poll, generous for a loaded machine
                assertThat(sorted.get(sorted.size() - 1)).as("push to awaited, ms " + millis).isLessThan(10_000);
                assertThat(node.log()).doesNotContain("SEVERE");
            } finally {
                caller.stop();
                answers.close();
            }
        }
    }
}
