package dev.apiary.impl.health;

import dev.apiary.JobStatus;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.impl.cdi.Email;
import dev.apiary.impl.cdi.TestConfig;
import io.smallrye.config.inject.ConfigExtension;
import io.smallrye.health.AsyncHealthCheckFactory;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.json.JsonObject;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code apiary.queues.<queue>.paused} at start, and a paused queue in the readiness check: UP, saying it is paused.
 */
class PausedQueueReadinessTest {

    private WeldContainer container;

    private SmallRyeHealthReporter start(Map<String, String> config) {
        Map<String, String> all = new HashMap<>(Map.of("apiary.workers.health.poll-interval", "20ms",
                "apiary.workers.health.max-poll-interval", "100ms"));
        all.putAll(config);
        TestConfig.use(all);
        container = new Weld().disableDiscovery()
                .addBeanClasses(HealthChecksTest.HealthWorker.class, HealthChecksTest.Storages.class,
                        SmallRyeHealthReporter.class, AsyncHealthCheckFactory.class)
                .addExtension(new ApiaryExtension())
                .addExtension(new ConfigExtension())
                .initialize();
        return container.select(SmallRyeHealthReporter.class).get();
    }

    @AfterEach
    void stop() {
        if (container != null) {
            container.close();
        }
        HealthChecksTest.Storages.STORAGE.resume();
        TestConfig.clear();
    }

    private static JsonObject readiness(SmallRyeHealthReporter health) {
        return health.getReadiness().getPayload().getJsonArray("checks").stream().map(JsonObject.class::cast)
                .filter(c -> c.getString("name").equals(WorkerReadinessCheck.NAME)).findFirst().orElseThrow();
    }

    @Test
    void aQueuePausedByConfigurationRunsNothingAndReadinessStaysUpSayingSo() {
        // given a queue paused by its key at start, with a job waiting
        String id = HealthChecksTest.Storages.STORAGE.push(new Email("a@example.com"));
        SmallRyeHealthReporter health = start(Map.of("apiary.queues.health.paused", "true"));

        // then readiness is UP and says the queue is paused, and the job waits
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
        assertThat(readiness(health).getJsonObject("data").getString("storage.health"))
                .isEqualTo("available, paused");
        assertThat(HealthChecksTest.Storages.STORAGE.isPaused()).isTrue();
        assertThat(HealthChecksTest.Storages.STORAGE.find(id).orElseThrow().status()).isEqualTo(JobStatus.PENDING);

        // when it is resumed at runtime, the job runs and readiness no longer says paused
        HealthChecksTest.Storages.STORAGE.resume();

        await().atMost(Duration.ofSeconds(10)).until(() ->
                HealthChecksTest.Storages.STORAGE.find(id).orElseThrow().status() == JobStatus.DONE);
        assertThat(readiness(health).getJsonObject("data").getString("storage.health")).isEqualTo("available");
    }

    @Test
    void falseResumesAQueueThatWasPausedBefore() {
        HealthChecksTest.Storages.STORAGE.pause();

        SmallRyeHealthReporter health = start(Map.of("apiary.queues.health.paused", "false"));

        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
        assertThat(HealthChecksTest.Storages.STORAGE.isPaused()).isFalse();
    }
}
