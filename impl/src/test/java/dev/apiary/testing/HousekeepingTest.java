package dev.apiary.testing;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.worker.WorkerDefinition;
import dev.apiary.impl.worker.WorkerInstance;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Housekeeping never waits behind jobs: a worker whose executor is full of long jobs, timed by the manual scheduler
 * on the test's thread, still heartbeats and its poller still ticks, and nothing of it queues behind the jobs.
 */
class HousekeepingTest {

    public record Report(String name) {
    }

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final Duration LEASE = Duration.ofSeconds(4);

    private final ManualClock clock = ManualClock.startingNow();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    /** The job executor: exactly as many threads as the worker's concurrency. */
    private final ThreadPoolExecutor executor = (ThreadPoolExecutor) Executors.newFixedThreadPool(2);
    private final JobStorage<Report> storage = WorkerDriver.inMemoryStorage("reports", Report.class, clock);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void shutDown() {
        release.countDown();
        executor.shutdownNow();
    }

    @Test
    void aWorkerWhoseEveryExecutorThreadRunsAJobStillHeartbeatsAndTicks() throws Exception {
        // given a worker of concurrency 2 on a pool of 2 threads, both running jobs longer than the lease
        CountDownLatch started = new CountDownLatch(2);
        WorkerInstance<?> instance = instance(WorkerBuilder.named("reports").source(storage).concurrency(2)
                .prefetch(0).heartbeatInterval(HEARTBEAT).lease(LEASE).handler(job -> {
                    started.countDown();
                    release.await();
                    return Outcome.done();
                }));
        String first = storage.push(new Report("a"));
        String second = storage.push(new Report("b"));
        instance.start();
        scheduler.runUntilIdle();
        assertThat(started.await(10, TimeUnit.SECONDS)).as("both jobs running").isTrue();
        assertThat(executor.getActiveCount()).isEqualTo(2);

        // when three leases pass while both threads stay busy
        for (int s = 1; s <= 3 * LEASE.toSeconds(); s++) {
            clock.advance(HEARTBEAT);
            scheduler.runUntilIdle();

            // then every heartbeat went out on time, the poller ticked, and nothing waits for the busy threads
            assertThat(lastHeartbeat(instance)).as("last heartbeat after %d s", s).isEqualTo(clock.instant());
            assertThat(instance.snapshot().lastTick()).as("last poller tick after %d s", s)
                    .isEqualTo(clock.instant());
            assertThat(executor.getQueue()).as("tasks queued behind the jobs after %d s", s).isEmpty();
            assertThat(instance.heartbeatOverdue()).isEmpty();
        }
        assertThat(storage.find(first).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

        // and the jobs, still the worker's own, end done once released
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            scheduler.runUntilIdle();
            return storage.find(first).orElseThrow().status() == JobStatus.DONE
                    && storage.find(second).orElseThrow().status() == JobStatus.DONE;
        });
        instance.beginStop();
        instance.finishStop(clock.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    }

    private Instant lastHeartbeat(WorkerInstance<?> instance) {
        return storage.workers().stream().filter(w -> w.instanceId().equals(instance.instanceId()))
                .map(WorkerRecord::lastSeen).findFirst().orElseThrow();
    }

    private WorkerInstance<?> instance(dev.apiary.worker.Worker worker) {
        return new WorkerInstance<>((WorkerDefinition<?>) worker, 0, executor, scheduler, clock,
                new WorkerInstance.Supervisor() {
                    @Override
                    public void publish(WorkerEvent event) {
                    }

                    @Override
                    public void crashed(WorkerInstance<?> instance, Throwable error) {
                    }

                    @Override
                    public boolean listening() {
                        return false;
                    }
                });
    }
}
