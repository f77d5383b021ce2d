package dev.apiary.jpa;

import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two heartbeats of a new instance at once (a stop's farewell beside the last scheduled beat) both find no row and
 * both insert one: the second then updates the row the first inserted instead of failing with a duplicate key.
 */
class HeartbeatRaceTest {

    @ParameterizedTest
    @EnumSource(Db.class)
    void twoFirstHeartbeatsOfOneInstanceBothGetThrough(Db db) throws Exception {
        String queue = "heartbeat-race-" + UUID.randomUUID();
        JpaJobStorage<String> storage = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, db))
                .queue(queue, String.class).build();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        int instances = 40;
        try {
            for (int i = 0; i < instances; i++) {
                String id = "instance-" + i;
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<?>> beats = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    WorkerState state = t == 0 ? WorkerState.ENGAGED : WorkerState.STOPPED;
                    beats.add(threads.submit(() -> {
                        together.await();
                        storage.heartbeat(new WorkerSnapshot("racer", id, queue, state, 0, 0, 0, 0, 0,
                                Instant.now(), null), Duration.ofSeconds(30));
                        return null;
                    }));
                }
                for (Future<?> beat : beats) {
                    beat.get(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(storage.workers()).extracting(WorkerRecord::instanceId).hasSize(instances);
    }
}
