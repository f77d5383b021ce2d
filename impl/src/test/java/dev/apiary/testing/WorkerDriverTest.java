package dev.apiary.testing;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A worker driven on the test's thread by a manual clock: no sleeps, no waits. */
class WorkerDriverTest {

    public record Email(String to) {
    }

    // starts at the real time: Layers.retry reads the system clock, so its backoff falls due as the test advances
    private final ManualClock clock = ManualClock.startingNow();
    private final JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);

    @Test
    void runUntilIdleDrainsTheQueueAndSettlesEveryJob() {
        List<String> sent = new CopyOnWriteArrayList<>();
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(storage).concurrency(4)
                .handler(job -> {
                    sent.add(job.payload().to());
                    return Outcome.done();
                }), clock);
        for (int i = 0; i < 500; i++) {
            storage.push(new Email("user" + i + "@example.com"));
        }

        driver.runUntilIdle();

        assertThat(sent).hasSize(500);
        assertThat(storage.counts().get(JobStatus.DONE)).isEqualTo(500L);
        assertThat(driver.snapshot().done()).isEqualTo(500L);
        assertThat(driver.events()).extracting(WorkerEvent::kind).contains(WorkerEvent.Kind.ENGAGED,
                WorkerEvent.Kind.IDLE);
    }

    @Test
    void aRetryRunsOnlyOnceTheClockReachesItsBackoff() {
        AtomicInteger tries = new AtomicInteger();
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(storage)
                .handler(job -> {
                    if (tries.incrementAndGet() < 3) {
                        return Outcome.retryAt(clock.instant().plus(Duration.ofMinutes(10)), "smtp down");
                    }
                    return Outcome.done();
                }), clock);
        String id = storage.push(new Email("a@example.com"), JobOptions.defaults().withMaxAttempts(5));

        driver.runUntilIdle();
        assertThat(tries).hasValue(1);
        driver.advance(Duration.ofMinutes(9));
        assertThat(tries).as("before the backoff has passed").hasValue(1);

        // found by the first idle poll after it falls due: within maxPollInterval (2 s by default)
        driver.advance(Duration.ofMinutes(1).plusSeconds(2));
        assertThat(tries).hasValue(2);
        driver.advance(Duration.ofMinutes(10).plusSeconds(2));

        assertThat(tries).hasValue(3);
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(storage.find(id).orElseThrow().attempts()).isEqualTo(3);
    }

    @Test
    void aRetryOnTheLastAttemptEndsTheJobFailed() {
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(storage)
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofSeconds(10))))
                .handler(job -> {
                    throw new IllegalStateException("mailbox full");
                }), clock);
        String id = storage.push(new Email("a@example.com"), JobOptions.defaults().withMaxAttempts(3));

        driver.runUntilIdle();
        driver.advance(Duration.ofHours(1));

        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(storage.find(id).orElseThrow().attempts()).isEqualTo(3);
        assertThat(storage.find(id).orElseThrow().lastError()).contains("mailbox full");
    }

    @Test
    void aJobScheduledForLaterRunsWhenTheClockGetsThere() {
        AtomicInteger runs = new AtomicInteger();
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(storage)
                .handler(job -> {
                    runs.incrementAndGet();
                    return Outcome.done();
                }), clock);
        storage.push(new Email("a@example.com"), JobOptions.defaults().withRunAt(clock.instant().plus(Duration.ofHours(2))));

        driver.advance(Duration.ofMinutes(119));
        assertThat(runs).hasValue(0);

        driver.advance(Duration.ofMinutes(2));
        assertThat(runs).hasValue(1);
    }
}
