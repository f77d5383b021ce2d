package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.util.TypeLiteral;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A worker's layer values ({@code @Retry} delays, {@code @Timeout}, limits) are overridden by its keys. */
class LayerKeysTest {

    @JobWorker(queue = "slow")
    @ApplicationScoped
    @Retry(maxAttempts = 2, initialDelay = "1h", maxDelay = "1h", jitter = 0)
    @Timeout("1h")
    public static class SlowWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) throws InterruptedException {
            Thread.sleep(30_000);
            return Outcome.done();
        }
    }

    @JobWorker(queue = "plain")
    @ApplicationScoped
    public static class PlainWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        @Produces
        @ApplicationScoped
        @Queue("slow")
        JobStorage<Email> slow() {
            return InMemory.storage("slow", Email.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("plain")
        JobStorage<Email> plain() {
            return InMemory.storage("plain", Email.class);
        }
    }

    @AfterEach
    void clear() {
        TestConfig.clear();
    }

    @Test
    void timeoutAndRetryDelaysComeFromConfiguration() {
        // the annotations say one hour; the keys make both attempts time out and the retry come at once
        TestConfig.use(Map.of("apiary.workers.slow.timeout", "200ms",
                "apiary.workers.slow.retry.initial-delay", "10ms", "apiary.workers.slow.retry.max-delay", "10ms"));
        try (WeldContainer container = weld(SlowWorker.class).initialize()) {
            JobQueue<Email> queue = container.select(new TypeLiteral<JobQueue<Email>>() { },
                    Queue.Literal.of("slow")).get();
            JobStorage<Email> storage = container.select(new TypeLiteral<JobStorage<Email>>() { },
                    Queue.Literal.of("slow")).get();
            String id = queue.push(new Email("a@example.com"));
            await().atMost(Duration.ofSeconds(15)).until(() -> storage.find(id).orElseThrow().status().isFinal());
            assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
            assertThat(storage.find(id).orElseThrow().attempts()).isEqualTo(2);
            assertThat(storage.find(id).orElseThrow().lastError()).contains("JobTimeoutException");
        }
    }

    @Test
    void aLayerKeyForALayerTheWorkerLacksOrABadValueFailsTheDeployment() {
        TestConfig.use(Map.of("apiary.workers.plain.timeout", "5s",
                "apiary.workers.slow.rate-limit.permits", "3", "apiary.workers.slow.retry.multiplier", "fast"));
        assertThatThrownBy(() -> weld(SlowWorker.class, PlainWorker.class).initialize().close())
                .hasMessageContaining("apiary.workers.plain.timeout is set, but worker 'plain'")
                .hasMessageContaining("has no @Timeout, so the key changes nothing; add @Timeout to the bean or"
                        + " remove the key")
                .hasMessageContaining("apiary.workers.slow.rate-limit.permits is set, but worker 'slow'")
                .hasMessageContaining("apiary.workers.slow.retry.multiplier = fast: must be a number");
    }

    private static Weld weld(Class<?>... workers) {
        return new Weld().disableDiscovery().addBeanClasses(workers).addBeanClasses(Storages.class)
                .addExtension(new ApiaryExtension());
    }
}
