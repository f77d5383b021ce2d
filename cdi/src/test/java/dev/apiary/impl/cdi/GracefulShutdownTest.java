package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** When the application stops, the monitor stops claiming and lets running jobs finish within the grace period. */
class GracefulShutdownTest {

    @JobWorker(name = "slow-mail")
    @ApplicationScoped
    public static class SlowWorker implements JobHandler<Email> {
        static final AtomicInteger STARTED = new AtomicInteger();
        static volatile CountDownLatch finish = new CountDownLatch(1);

        @Override
        public Outcome handle(Job<Email> job) throws InterruptedException {
            STARTED.incrementAndGet();
            finish.await(30, TimeUnit.SECONDS);
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        static volatile JobStorage<Email> storage;

        @Produces
        @ApplicationScoped
        JobStorage<Email> storage() {
            return storage;
        }
    }

    private WeldContainer start(String gracePeriod) {
        SlowWorker.STARTED.set(0);
        SlowWorker.finish = new CountDownLatch(1);
        Storages.storage = InMemory.storage("slow-mail", Email.class);
        TestConfig.use(Map.of("apiary.shutdown.grace-period", gracePeriod));
        return new Weld().disableDiscovery().addBeanClasses(SlowWorker.class, Storages.class)
                .addExtension(new ApiaryExtension()).initialize();
    }

    @AfterEach
    void release() {
        SlowWorker.finish.countDown();
        TestConfig.clear();
    }

    @Test
    void stoppingTheApplicationLetsTheRunningJobFinishAndClaimsNothingNew() throws Exception {
        WeldContainer container = start("PT10S");
        Monitor monitor = container.select(Monitor.class).get();
        String running = Storages.storage.push(new Email("first@example.com"));
        await().atMost(Duration.ofSeconds(10)).until(() -> SlowWorker.STARTED.get() == 1);
        String waiting = Storages.storage.push(new Email("second@example.com"));

        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(container::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> monitor.snapshot().stream()
                .allMatch(s -> s.state() == WorkerState.STOPPING));
        assertThat(shutdown).isNotDone();
        SlowWorker.finish.countDown();
        shutdown.get(10, TimeUnit.SECONDS);

        assertThat(Storages.storage.find(running).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(Storages.storage.find(waiting).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        assertThat(SlowWorker.STARTED).hasValue(1);
    }

    @Test
    void aJobStillRunningWhenTheGracePeriodEndsIsHandedBackForAnotherRun() {
        WeldContainer container = start("PT0.3S");
        String running = Storages.storage.push(new Email("stuck@example.com"));
        await().atMost(Duration.ofSeconds(10)).until(() -> SlowWorker.STARTED.get() == 1);

        container.close();

        assertThat(Storages.storage.find(running).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        assertThat(Storages.storage.find(running).orElseThrow().workerId()).isNull();
    }
}
