package dev.apiary.impl.storage;

import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.testing.ManualClock;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How long the in-memory storage lists a worker instance that stopped heartbeating (the key that sets it is tested in
 * the CDI and MicroProfile module, {@code WorkerRetentionConfigTest}).
 */
class WorkerRetentionTest {

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
}
