package dev.apiary.impl.worker;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.QueueLimits;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker whose claim a queue limit held back is woken when the limit may let a job through, rather than at its
 * next poll: here polls are 30 s apart, so a job that starts within seconds was claimed on a wake-up.
 */
class QueueLimitWakeUpsTest {

    public record Task(String name) {
    }

    private static final Duration POLL = Duration.ofSeconds(30);

    private final Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));
    private final Map<String, Long> started = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        monitor.stop();
    }

    private void start(JobStorage<Task> storage) {
        monitor.register(WorkerBuilder.named("tasks").source(storage).concurrency(2).pollInterval(POLL)
                .maxPollInterval(POLL).handler(job -> {
                    started.put(job.payload().name(), System.nanoTime());
                    if (job.payload().name().equals("first")) {
                        release.await(30, TimeUnit.SECONDS);
                    }
                    return Outcome.done();
                })).start();
    }

    @Test
    void aSettleThatFreesTheOnlyRunningSlotWakesTheWorkerBeforeItsNextPoll() throws Exception {
        // given a queue of at most one running job, whose first job runs until released and whose second waits
        JobStorage<Task> storage = InMemory.storage("tasks", Task.class);
        storage.limit(QueueLimits.none().withMaxRunning(1));
        start(storage);
        List<String> ids = storage.pushAll(List.of(new Task("first"), new Task("second")), JobOptions.defaults());
        await().atMost(Duration.ofSeconds(10)).until(() -> started.containsKey("first"));
        assertThat(storage.find(ids.get(1)).orElseThrow().status()).as("held back by the limit")
                .isEqualTo(JobStatus.PENDING);

        // when the first job ends
        long released = System.nanoTime();
        release.countDown();

        // then the second starts long before the next poll
        await().atMost(Duration.ofSeconds(10)).until(() -> started.containsKey("second"));
        assertThat(Duration.ofNanos(started.get("second") - released)).isLessThan(POLL.dividedBy(3));
    }

    @Test
    void aClaimHeldBackByARateIsWokenWhenTheNextPeriodStarts() {
        // given a queue of one start per 500 ms
        JobStorage<Task> storage = InMemory.storage("tasks", Task.class);
        storage.limit(QueueLimits.none().withRate(1, Duration.ofMillis(500)));
        start(storage);
        release.countDown();

        // when two jobs are pushed at once
        long pushed = System.nanoTime();
        storage.pushAll(List.of(new Task("one"), new Task("two")), JobOptions.defaults());

        // then both start long before the next poll: the second when the next period began
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 2);
        assertThat(Duration.ofNanos(started.get("two") - pushed)).isLessThan(POLL.dividedBy(3));
    }
}
