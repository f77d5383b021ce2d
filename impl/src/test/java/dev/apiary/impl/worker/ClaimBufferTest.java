package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobContext;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The claim buffer alone: slots held and freed, the hand-over to runners in chunks, and the prefetch that follows the
 * rate at which runners finish jobs times the time a claim takes.
 */
class ClaimBufferTest {

    private static final long MS = 1_000_000L;

    private static List<Job<String>> jobs(int n) {
        return IntStream.range(0, n).mapToObj(i -> new Job<>("p" + i, new JobContext("j" + i, "q", 1, 3,
                Instant.EPOCH, 0, Instant.EPOCH, "w", Map.of()))).toList();
    }

    @Test
    void heldJobsUseSlotsUntilFinishedAndTheInstanceTurnsEngagedThenIdle() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(4, 0);
        assertThat(buffer.free()).isEqualTo(4);

        assertThat(buffer.hold(3)).as("engaged by the first claim").isTrue();
        assertThat(buffer.hold(1)).isFalse();
        buffer.add(jobs(4));
        assertThat(buffer.free()).isZero();

        assertThat(buffer.finished(3)).isFalse();
        assertThat(buffer.free()).isEqualTo(3);
        assertThat(buffer.finished(1)).as("idle once the last one finished").isTrue();
        assertThat(buffer.held()).isZero();
    }

    @Test
    void aRunnerTakesAShareOfAFullBufferAsItsChunkButOneJobWhenFewWait() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(2, 100);
        buffer.hold(41);
        buffer.add(jobs(41));
        ArrayDeque<Job<String>> chunk = new ArrayDeque<>();

        Job<String> first = buffer.take(chunk);

        assertThat(first.id()).isEqualTo("j0");
        // 40 others wait for 2 runners: a share of 20, the next jobs in order
        assertThat(chunk).extracting(Job::id).containsExactlyElementsOf(
                IntStream.range(1, 21).mapToObj(i -> "j" + i).toList());

        ClaimBuffer<String> few = new ClaimBuffer<>(4, 0);
        few.hold(3);
        few.add(jobs(3));
        ArrayDeque<Job<String>> none = new ArrayDeque<>();
        assertThat(few.take(none).id()).isEqualTo("j0");
        assertThat(none).as("free runners are never kept waiting behind a busy one").isEmpty();
        assertThat(few.take(null).id()).isEqualTo("j1");
        assertThat(few.take(null).id()).isEqualTo("j2");
        assertThat(few.take(null)).isNull();
        assertThat(few.isEmpty()).isTrue();
    }

    @Test
    void aBufferBelowHalfOfWhatItMayHoldIsLow() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(4, 4);
        buffer.hold(8);
        buffer.add(jobs(8));
        assertThat(buffer.isLow()).isFalse();
        for (int i = 0; i < 5; i++) {
            buffer.take(null);
        }
        assertThat(buffer.isLow()).as("3 left of 8").isTrue();
    }

    @Test
    void anAdaptivePrefetchFollowsTheFinishRateTimesTheClaimTimeUpToItsCeiling() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(8, -1);
        assertThat(buffer.prefetch()).as("none before the load is known").isZero();

        buffer.adapt(2 * MS, 100 * MS);                  // first claim: 2 ms, nothing finished yet
        assertThat(buffer.prefetch()).isZero();

        buffer.hold(1000);
        buffer.finished(1000);                           // 1,000 jobs in the next 100 ms: 10 per ms
        buffer.adapt(2 * MS, 200 * MS);
        // 4 claims ahead x 10 jobs/ms x 2 ms
        assertThat(buffer.prefetch()).isEqualTo(80);

        buffer.hold(1_000_000);
        buffer.finished(1_000_000);                      // a burst far beyond what a buffer should hold
        buffer.adapt(2 * MS, 300 * MS);
        assertThat(buffer.prefetch()).isEqualTo(ClaimBuffer.MAX_ADAPTIVE_PREFETCH);
    }

    @Test
    void aPrefetchTheUserSetStaysAsSet() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(8, 16);
        buffer.finished(1000);
        buffer.adapt(50 * MS, 100 * MS);
        buffer.adapt(50 * MS, 200 * MS);
        assertThat(buffer.prefetch()).isEqualTo(16);
    }
}
