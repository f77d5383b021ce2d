package dev.apiary.impl.storage;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The part of the {@link JobStorageContract} on pausing a queue: every storage that runs the contract runs these.
 */
public interface QueuePauseContract {

    /** The storage of this test's queue. */
    JobStorage<ContractPayload> pauseStorage();

    /** Another storage of the same kind (and database) for {@code queue}. */
    JobStorage<ContractPayload> pauseStorageOf(String queue);

    @Test
    default void aPausedQueueClaimsNothingUntilResumed() {
        JobStorage<ContractPayload> storage = pauseStorage();
        storage.push(new ContractPayload("a", 1));
        storage.push(new ContractPayload("b", 2));

        storage.pause();

        assertThat(storage.isPaused()).isTrue();
        assertThat(storage.claim("w1", 10)).isEmpty();
        storage.push(new ContractPayload("c", 3));
        assertThat(storage.claim("w1", 10)).isEmpty();
        assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 3L);

        storage.resume();

        assertThat(storage.isPaused()).isFalse();
        assertThat(storage.claim("w1", 10)).extracting(job -> job.payload().name())
                .containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    default void jobsClaimedBeforeAPauseSettleWhilePaused() {
        JobStorage<ContractPayload> storage = pauseStorage();
        String id = storage.push(new ContractPayload("a", 1));
        Job<ContractPayload> job = storage.claim("w1", 1).get(0);

        storage.pause();
        storage.settle(List.of(new Settlement(job.context(), Outcome.done())));

        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(storage.isPaused()).isTrue();
    }

    @Test
    default void pausingTwiceAndResumingARunningQueueChangeNothing() {
        JobStorage<ContractPayload> storage = pauseStorage();
        assertThat(storage.isPaused()).isFalse();

        storage.resume();
        assertThat(storage.isPaused()).isFalse();
        storage.pause();
        storage.pause();
        assertThat(storage.isPaused()).isTrue();
        storage.resume();

        assertThat(storage.isPaused()).isFalse();
        storage.push(new ContractPayload("a", 1));
        assertThat(storage.claim("w1", 1)).hasSize(1);
    }

    @Test
    default void aPauseHoldsOnlyItsOwnQueue() {
        JobStorage<ContractPayload> storage = pauseStorage();
        JobStorage<ContractPayload> other = pauseStorageOf(storage.queue() + "-other");
        other.push(new ContractPayload("other", 1));

        storage.pause();

        assertThat(other.isPaused()).isFalse();
        assertThat(other.claim("w1", 1)).hasSize(1);
    }

    @Test
    default void resumeWakesIdleWorkers() throws Exception {
        JobStorage<ContractPayload> storage = pauseStorage();
        storage.pause();
        AtomicInteger wakeUps = new AtomicInteger();
        try (AutoCloseable listening = storage.onAvailable(wakeUps::incrementAndGet)) {
            storage.resume();

            assertThat(wakeUps).hasPositiveValue();
        }
    }
}
