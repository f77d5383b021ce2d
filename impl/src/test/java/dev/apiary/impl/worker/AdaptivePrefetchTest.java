package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.worker.MonitorTest.DelegatingSource;
import dev.apiary.impl.worker.MonitorTest.Email;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Without a {@code prefetch}, a worker claims ahead as far as its rate of finished jobs and a claim's round trip
 * warrant: many short jobs are claimed many at a time, long ones only for free slots.
 */
class AdaptivePrefetchTest {

    private final Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));

    @AfterEach
    void stop() {
        monitor.stop();
    }

    /** A source whose claim takes a database's round trip, and which records the largest claim asked for. */
    static final class RoundTripSource extends DelegatingSource<Email> {
        final AtomicInteger largestClaim = new AtomicInteger();

        RoundTripSource(JobStorage<Email> storage) {
            super(storage);
        }

        @Override
        public List<Job<Email>> claim(String workerId, int max) {
            largestClaim.accumulateAndGet(max, Math::max);
            try {
                TimeUnit.MILLISECONDS.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.claim(workerId, max);
        }
    }

    @Test
    void manyShortJobsAreClaimedManyAtATimeWithoutTuning() {
        JobStorage<Email> storage = InMemory.storage("short", Email.class);
        storage.pushAll(Collections.nCopies(20_000, new Email("a@example.com")), JobOptions.defaults());
        RoundTripSource source = new RoundTripSource(storage);

        monitor.register(WorkerBuilder.named("short").source(source).concurrency(2).handler(job -> Outcome.done()));
        monitor.start();

        await().atMost(Duration.ofMinutes(1)).until(() -> storage.counts().get(JobStatus.DONE) == 20_000);
        // two slots, but claims grew to hundreds of jobs: one round trip for many short jobs
        assertThat(source.largestClaim.get()).isGreaterThanOrEqualTo(100);
    }

    @Test
    void longJobsAreClaimedOnlyForFreeSlotsAndTheRestIsLeftToOtherNodes() {
        JobStorage<Email> storage = InMemory.storage("long", Email.class);
        storage.pushAll(Collections.nCopies(20, new Email("b@example.com")), JobOptions.defaults());
        RoundTripSource source = new RoundTripSource(storage);
        CountDownLatch release = new CountDownLatch(1);

        monitor.register(WorkerBuilder.named("long").source(source).concurrency(2).handler(job -> {
            release.await(30, TimeUnit.SECONDS);
            return Outcome.done();
        }));
        monitor.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> storage.counts().get(JobStatus.RUNNING) == 2);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> storage.counts().get(JobStatus.RUNNING) == 2);
        assertThat(storage.counts().get(JobStatus.PENDING)).isEqualTo(18);
        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> storage.counts().get(JobStatus.DONE) == 20);
    }
}
