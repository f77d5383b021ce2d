package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.cdi.Retry;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code apiary.workers.<name>.*} keys override what the worker bean's annotations say. */
@EnableWeld
class ConfigOverridesTest {

    @JobWorker(queue = "blocking")
    @ApplicationScoped
    public static class BlockingWorker implements JobHandler<Email> {
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @Override
        public Outcome handle(Job<Email> job) throws InterruptedException {
            RELEASE.await(10, TimeUnit.SECONDS);
            return Outcome.done();
        }
    }

    @JobWorker(queue = "flaky")
    @ApplicationScoped
    @Retry(maxAttempts = 10, initialDelay = "10ms", maxDelay = "10ms", jitter = 0)
    public static class FlakyWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            throw new IllegalStateException("always fails");
        }
    }

    @JobWorker(queue = "off")
    @ApplicationScoped
    public static class DisabledWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker(queue = "capped", prefetch = 1, pollInterval = "20ms", maxPollInterval = "200ms",
            heartbeatInterval = "1s", lease = "5s")
    @ApplicationScoped
    public static class CappedWorker implements JobHandler<Email> {
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @Override
        public Outcome handle(Job<Email> job) throws InterruptedException {
            RELEASE.await(10, TimeUnit.SECONDS);
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        @Produces
        @ApplicationScoped
        @Queue("blocking")
        JobStorage<Email> blocking() {
            return InMemory.storage("blocking", Email.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("flaky")
        JobStorage<Email> flaky() {
            return InMemory.storage("flaky", Email.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("capped")
        JobStorage<Email> capped() {
            return InMemory.storage("capped", Email.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("off")
        JobStorage<Email> off() {
            return InMemory.storage("off", Email.class);
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(BlockingWorker.class, FlakyWorker.class, DisabledWorker.class, CappedWorker.class,
                    Storages.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    Monitor monitor;

    @Inject
    @Queue("blocking")
    JobQueue<Email> blocking;

    @Inject
    @Queue("flaky")
    JobQueue<Email> flaky;

    @Inject
    @Queue("flaky")
    JobStorage<Email> flakyStorage;

    @Inject
    @Queue("off")
    JobQueue<Email> off;

    @Inject
    @Queue("capped")
    JobQueue<Email> capped;

    @Inject
    @Queue("capped")
    JobStorage<Email> cappedStorage;

    @Inject
    @Queue("off")
    JobStorage<Email> offStorage;

    @BeforeAll
    static void config() {
        TestConfig.use(Map.of(
                "apiary.workers.blocking.concurrency", "3",
                "apiary.workers.blocking.instances", "2",
                "apiary.workers.blocking.poll-interval", "20ms",
                "apiary.workers.flaky.max-attempts", "2",
                "apiary.workers.off.enabled", "false",
                "apiary.workers.capped.prefetch", "2",
                "apiary.shutdown.grace-period", "PT1S"));
    }

    @AfterAll
    static void defaults() {
        BlockingWorker.RELEASE.countDown();
        CappedWorker.RELEASE.countDown();
        TestConfig.clear();
    }

    @Test
    void concurrencyAndInstancesComeFromConfigWhenSet() {
        blocking.pushAll(Collections.nCopies(8, new Email("x@example.com")));

        // 2 instances x 3 slots run at once, whatever the annotation says
        await().atMost(Duration.ofSeconds(10)).until(() -> running("blocking") == 6);
        assertThat(monitor.snapshot().stream().filter(s -> s.worker().equals("blocking"))).hasSize(2);
        BlockingWorker.RELEASE.countDown();
    }

    @Test
    void maxAttemptsFromConfigOverridesTheRetryAnnotation() {
        String id = flaky.push(new Email("flaky@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> flakyStorage.find(id).orElseThrow().status()
                == JobStatus.FAILED);
        assertThat(flakyStorage.find(id).orElseThrow().attempts()).isEqualTo(2);
    }

    @Test
    void aWorkerDisabledInConfigIsNotStartedAndItsJobsWait() {
        String id = off.push(new Email("later@example.com"));

        List<String> workers = monitor.snapshot().stream().map(WorkerSnapshot::worker).distinct().toList();
        assertThat(workers).containsExactlyInAnyOrder("blocking", "flaky", "capped");
        assertThat(offStorage.find(id).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
    }

    @Test
    void prefetchFromConfigOverridesTheAnnotationAndSetsWhatAnInstanceHolds() {
        capped.pushAll(Collections.nCopies(6, new Email("many@example.com")));

        // 1 slot + prefetch 2 (the key) rather than 1 (the annotation): 3 held, the rest left to other nodes
        await().atMost(Duration.ofSeconds(10)).until(() -> cappedStorage.counts().get(JobStatus.RUNNING) == 3);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> cappedStorage.counts().get(JobStatus.RUNNING) == 3);
        assertThat(cappedStorage.counts().get(JobStatus.PENDING)).isEqualTo(3);
        CappedWorker.RELEASE.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> cappedStorage.counts().get(JobStatus.DONE) == 6);
    }

    private int running(String worker) {
        return monitor.snapshot().stream().filter(s -> s.worker().equals(worker)).mapToInt(WorkerSnapshot::running)
                .sum();
    }
}
