package dev.apiary.impl.storage;

import dev.apiary.ConfigurationException;
import dev.apiary.impl.DefaultApiaryProvider;
import dev.apiary.impl.cdi.TestConfig;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.testing.ManualClock;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How long the in-memory storage lists a worker instance that stopped heartbeating, and the key that sets it. */
class WorkerRetentionTest {

    @AfterEach
    void dropConfig() {
        TestConfig.clear();
    }

    private static WorkerSnapshot snapshot(String instanceId) {
        return new WorkerSnapshot("mailer", instanceId, "mail", WorkerState.IDLE, 0, 0, 0, 0, 0, Instant.now(), null);
    }

    @Test
    void aWorkerNotSeenForTheRetentionIsDroppedAtTheNextHeartbeat() {
        ManualClock clock = ManualClock.startingNow();
        JobStorage<String> storage = new InMemoryStorage<>("mail", String.class, new JsonbCodec(), clock,
                Duration.ofMinutes(2));
        storage.heartbeat(snapshot("gone"));
        clock.advance(Duration.ofMinutes(1));
        storage.heartbeat(snapshot("alive"));

        assertThat(storage.workers()).extracting(WorkerRecord::instanceId).containsExactly("alive", "gone");

        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        storage.heartbeat(snapshot("alive"));

        assertThat(storage.workers()).extracting(WorkerRecord::instanceId).containsExactly("alive");
    }

    @Test
    void theRetentionComesFromMicroProfileConfigWhenAStorageIsBuilt() {
        DefaultApiaryProvider provider = new DefaultApiaryProvider();
        assertThat(provider.workerRetention()).isEqualTo(Duration.ofHours(1));

        TestConfig.use(Map.of("apiary.storage.worker-retention", "10m"));

        assertThat(provider.workerRetention()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aBadRetentionNamesTheKeyAndTheValue() {
        TestConfig.use(Map.of("apiary.storage.worker-retention", "0"));

        assertThatThrownBy(() -> new DefaultApiaryProvider().newInMemoryStorage("mail", String.class))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("apiary.storage.worker-retention").hasMessageContaining("'0'");
    }
}
