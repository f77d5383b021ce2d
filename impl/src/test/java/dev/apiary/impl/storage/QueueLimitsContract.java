package dev.apiary.impl.storage;

import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.QueueLimits;
import dev.apiary.QueueLimits.PartitionKey;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The part of the {@link JobStorageContract} on {@link QueueLimits}: every storage that runs the contract runs these.
 * Claims stand in for workers on any number of nodes; a rate's periods are stepped on the storage's clock.
 */
public interface QueueLimitsContract {

    /** The storage of this test's queue. */
    JobStorage<ContractPayload> limitsStorage();

    /** The clock the storage reads. */
    ManualClock limitsClock();

    private static JobOptions tenant(String tenant) {
        return JobOptions.defaults().withMetadata("tenant", tenant);
    }

    private static void done(JobStorage<?> storage, Job<?> job) {
        storage.settle(List.of(new Settlement(job.context(), Outcome.done())));
    }

    /** Moves the clock to the start of the next period of {@code period}, as periods are aligned on the epoch. */
    private void nextPeriod(Duration period) {
        long millis = limitsClock().instant().toEpochMilli();
        limitsClock().advance(Duration.ofMillis(period.toMillis() - Math.floorMod(millis, period.toMillis())));
    }

    @Test
    default void aGlobalLimitCapsRunningJobsOverAllClaims() {
        JobStorage<ContractPayload> storage = limitsStorage();
        storage.limit(QueueLimits.none().withMaxRunning(3));
        for (int i = 0; i < 10; i++) {
            storage.push(new ContractPayload("job", i));
        }

        List<Job<ContractPayload>> first = storage.claim("w1", 10);
        List<Job<ContractPayload>> second = storage.claim("w2", 10);

        assertThat(first).hasSize(3);
        assertThat(second).isEmpty();
        assertThat(storage.counts()).containsEntry(JobStatus.RUNNING, 3L).containsEntry(JobStatus.PENDING, 7L);

        done(storage, first.get(0));
        assertThat(storage.claim("w2", 10)).hasSize(1);
        assertThat(storage.limits().maxRunning()).isEqualTo(3);
    }

    @Test
    default void aRateLimitCapsStartsPerPeriod() {
        JobStorage<ContractPayload> storage = limitsStorage();
        nextPeriod(Duration.ofSeconds(1));
        storage.limit(QueueLimits.none().withRate(4, Duration.ofSeconds(1)));
        for (int i = 0; i < 10; i++) {
            storage.push(new ContractPayload("job", i));
        }

        List<Job<ContractPayload>> claimed = storage.claim("w1", 10);
        claimed.forEach(job -> done(storage, job));
        limitsClock().advance(Duration.ofMillis(900));

        assertThat(claimed).hasSize(4);
        assertThat(storage.claim("w2", 10)).as("the period's starts are used up, though nothing runs").isEmpty();

        nextPeriod(Duration.ofSeconds(1));
        assertThat(storage.claim("w2", 3)).hasSize(3);
        assertThat(storage.claim("w1", 10)).hasSize(1);
    }

    @Test
    default void aKeyAtItsLimitDoesNotHoldUpOtherKeysBehindIt() {
        JobStorage<ContractPayload> storage = limitsStorage();
        storage.limit(QueueLimits.none().partitionedBy(PartitionKey.metadata("tenant")).withMaxRunningPerKey(2));
        for (int i = 0; i < 6; i++) {
            storage.push(new ContractPayload("big", i), tenant("big"));
        }
        storage.push(new ContractPayload("a", 0), tenant("small-a"));
        storage.push(new ContractPayload("b", 0), tenant("small-b"));
        storage.push(new ContractPayload("none", 0));

        List<Job<ContractPayload>> claimed = storage.claim("w1", 10);

        assertThat(claimed).extracting(job -> job.payload().name())
                .containsExactlyInAnyOrder("big", "big", "a", "b", "none");
        assertThat(storage.claim("w2", 10)).isEmpty();

        done(storage, claimed.stream().filter(j -> j.payload().name().equals("big")).findFirst().orElseThrow());
        assertThat(storage.claim("w2", 10)).extracting(job -> job.payload().name()).containsExactly("big");
    }

    @Test
    default void aPayloadPropertyCanBeThePartitionKey() {
        JobStorage<ContractPayload> storage = limitsStorage();
        storage.limit(QueueLimits.none().partitionedBy(PartitionKey.payloadProperty("name"))
                .withMaxRunningPerKey(1));
        storage.pushAll(List.of(new ContractPayload("x", 1), new ContractPayload("x", 2),
                new ContractPayload("x", 3), new ContractPayload("y", 4)), JobOptions.defaults());
        storage.pushJson("{\"name\":\"z\",\"n\":5}", JobOptions.defaults());

        assertThat(storage.claim("w1", 10)).extracting(job -> job.payload().name())
                .containsExactlyInAnyOrder("x", "y", "z");
    }

    @Test
    default void aRatePerKeyCapsTheStartsOfEachKey() {
        JobStorage<ContractPayload> storage = limitsStorage();
        nextPeriod(Duration.ofMinutes(1));
        storage.limit(QueueLimits.none().partitionedBy(PartitionKey.metadata("tenant"))
                .withRatePerKey(2, Duration.ofMinutes(1)));
        for (int i = 0; i < 4; i++) {
            storage.push(new ContractPayload("a", i), tenant("a"));
            storage.push(new ContractPayload("b", i), tenant("b"));
        }

        List<Job<ContractPayload>> claimed = storage.claim("w1", 10);
        claimed.forEach(job -> done(storage, job));

        assertThat(claimed).extracting(job -> job.payload().name()).containsExactlyInAnyOrder("a", "a", "b", "b");
        assertThat(storage.claim("w1", 10)).isEmpty();
        nextPeriod(Duration.ofMinutes(1));
        assertThat(storage.claim("w1", 10)).hasSize(4);
    }

    @Test
    default void aFairClaimTakesKeysInTurn() {
        JobStorage<ContractPayload> storage = limitsStorage();
        storage.limit(QueueLimits.none().partitionedBy(PartitionKey.metadata("tenant")).withFairness(true));
        for (int i = 0; i < 20; i++) {
            storage.push(new ContractPayload("big", i), tenant("big"));
        }
        storage.push(new ContractPayload("small", 0), tenant("small"));
        storage.push(new ContractPayload("small", 1), tenant("small"));

        List<Job<ContractPayload>> claimed = storage.claim("w1", 4);

        assertThat(claimed).extracting(job -> job.payload().name())
                .containsExactlyInAnyOrder("big", "big", "small", "small");
    }

    @Test
    default void aQueueWithoutLimitsClaimsAsBefore() {
        JobStorage<ContractPayload> storage = limitsStorage();
        storage.limit(QueueLimits.none().withMaxRunning(1));
        storage.limit(QueueLimits.none());
        for (int i = 0; i < 5; i++) {
            storage.push(new ContractPayload("job", i));
        }

        assertThat(storage.claim("w1", 10)).hasSize(5);
        assertThat(storage.limits().limited()).isFalse();
    }
}
