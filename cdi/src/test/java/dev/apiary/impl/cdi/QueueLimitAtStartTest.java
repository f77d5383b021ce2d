package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.Outcome;
import dev.apiary.QueueLimits;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.QueueLimit;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import io.smallrye.config.inject.ConfigExtension;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link QueueLimit} on a worker bean and the {@code apiary.queues.<queue>.*} limit keys over it, given at start. */
class QueueLimitAtStartTest {

    @JobWorker(name = "limited", queue = "limited")
    @QueueLimit(maxRunning = 2, partitionBy = "metadata:tenant", maxRunningPerKey = 1, rate = "50/1s")
    @ApplicationScoped
    public static class LimitedWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        static JobStorage<Email> storage;

        @Produces
        @ApplicationScoped
        @dev.apiary.cdi.Queue("limited")
        JobStorage<Email> storage() {
            return storage;
        }
    }

    private WeldContainer container;

    private void start(Map<String, String> config) {
        Storages.storage = InMemory.storage("limited", Email.class);
        TestConfig.use(config);
        container = new Weld().disableDiscovery()
                .addBeanClasses(LimitedWorker.class, Storages.class)
                .addExtension(new ApiaryExtension())
                .addExtension(new ConfigExtension())
                .initialize();
    }

    @AfterEach
    void stop() {
        if (container != null) {
            container.close();
        }
        TestConfig.clear();
    }

    @Test
    void theAnnotationLimitsTheQueueAndKeysOverrideItsValues() {
        start(Map.of("apiary.queues.limited.max-running", "3", "apiary.queues.limited.fair", "true",
                "apiary.queues.limited.rate-per-key", "10/1m"));

        assertThat(Storages.storage.limits()).isEqualTo(QueueLimits.none().withMaxRunning(3)
                .withRate(50, Duration.ofSeconds(1))
                .partitionedBy(QueueLimits.PartitionKey.metadata("tenant")).withMaxRunningPerKey(1)
                .withRatePerKey(10, Duration.ofMinutes(1)).withFairness(true));
    }

    @Test
    void theLimitsHoldForTheJobsTheWorkerClaims() {
        start(Map.of("apiary.queues.limited.max-running", "0", "apiary.queues.limited.rate", "1000/1s",
                "apiary.workers.limited.enabled", "false"));
        for (int i = 0; i < 3; i++) {
            Storages.storage.push(new Email("t1-" + i), JobOptions.defaults().withMetadata("tenant", "t1"));
        }
        Storages.storage.push(new Email("t2"), JobOptions.defaults().withMetadata("tenant", "t2"));

        assertThat(Storages.storage.claim("w", 10)).extracting(job -> job.payload().to())
                .containsExactlyInAnyOrder("t1-0", "t2");
    }

    @Test
    void aBadValueFailsTheStartAndNoLimitIsSet() {
        start(Map.of("apiary.queues.limited.rate", "fast"));

        assertThat(container.select(ContainerMonitor.class).get().status()).isEqualTo("failed");
        assertThat(Storages.storage.limits()).isEqualTo(QueueLimits.none());
        assertThatThrownBy(() -> QueueLimits.Rate.parse("fast")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'fast' is not a rate");
    }
}
