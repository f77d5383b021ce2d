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
    void aBufferBelowHalfOfItsPrefetchIsLowAndAClaimThenTakesAtLeastTheOtherHalf() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(64, 100);
        buffer.hold(64 + 60);                            // every runner busy, 60 jobs buffered
        buffer.add(jobs(60));
        assertThat(buffer.isLow()).isFalse();
        for (int i = 0; i < 11; i++) {
            buffer.take(null);
        }
        assertThat(buffer.isLow()).as("49 left of a prefetch of 100").isTrue();
        // the 11 taken jobs run in place of 11 that finished
        buffer.finished(11);
        assertThat(buffer.free()).as("a claim now takes the prefetch less what is buffered").isEqualTo(51);

        ClaimBuffer<String> none = new ClaimBuffer<>(4, 0);
        none.hold(2);
        none.add(jobs(2));
        none.take(null);
        assertThat(none.isLow()).as("without a prefetch, low only when empty").isFalse();
        none.take(null);
        assertThat(none.isLow()).isTrue();
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
    void aSlowClaimRaisesThePrefetchAtOnceAndFasterOnesLowerItByAnEighthOfTheDifference() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(64, -1);
        buffer.adapt(2 * MS, 100 * MS);
        finish(buffer, 1000);                            // 10 jobs per ms
        buffer.adapt(2 * MS, 200 * MS);
        assertThat(buffer.prefetch()).isEqualTo(80);     // 4 x 10 x 2

        finish(buffer, 200);
        buffer.adapt(20 * MS, 220 * MS);                 // one claim took 20 ms
        assertThat(buffer.prefetch()).as("4 x 10 x 20").isEqualTo(800);

        finish(buffer, 200);
        buffer.adapt(2 * MS, 240 * MS);                  // a fast one: 20 - (20 - 2) / 8 = 17.75 ms
        assertThat(buffer.prefetch()).isEqualTo(710);

        ClaimBuffer<String> slow = new ClaimBuffer<>(2, -1);
        slow.adapt(2 * MS, 100 * MS);
        finish(slow, 10);                                // 10 jobs in 100 ms: 0.1 per ms
        slow.adapt(2 * MS, 200 * MS);
        slow.adapt(30_000 * MS, 210 * MS);               // then a claim that waited out an outage of 30 s
        assertThat(slow.prefetch()).as("counted as 250 ms: 4 x 0.1 x 250, not the ceiling").isEqualTo(100);
    }

    @Test
    void theFinishRateIsMeasuredOverAtLeastTwentyMilliseconds() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(8, -1);
        buffer.adapt(2 * MS, 100 * MS);
        finish(buffer, 1000);
        buffer.adapt(2 * MS, 200 * MS);
        assertThat(buffer.prefetch()).isEqualTo(80);     // 10 jobs per ms

        finish(buffer, 1000);
        buffer.adapt(2 * MS, 201 * MS);
        assertThat(buffer.prefetch()).as("a burst within 1 ms says nothing yet").isEqualTo(80);

        buffer.adapt(2 * MS, 220 * MS);                  // 1,000 in the 20 ms since 200: 50 per ms, averaged with 10
        assertThat(buffer.prefetch()).isEqualTo(240);
    }

    @Test
    void aMessageQueuesPrefetchFollowsTheAverageClaimSoOneSlowClaimAsksForFewMessagesAhead() {
        ClaimBuffer<String> queue = new ClaimBuffer<>(64, -1, false);
        queue.adapt(2 * MS, 100 * MS);
        finish(queue, 1000);                             // 10 jobs per ms
        queue.adapt(2 * MS, 200 * MS);
        assertThat(queue.prefetch()).isEqualTo(80);      // 4 x 10 x 2

        finish(queue, 200);
        queue.adapt(20 * MS, 220 * MS);                  // one slow claim: (2 + 20) / 2 = 11 ms, 10 per ms
        assertThat(queue.prefetch()).as("4 x 10 x 11, where a storage's would be 800").isEqualTo(440);

        finish(queue, 200);
        queue.adapt(2 * MS, 240 * MS);                   // (11 + 2) / 2 = 6.5 ms
        assertThat(queue.prefetch()).isEqualTo(260);

        ClaimBuffer<String> few = new ClaimBuffer<>(4, 4, false);
        few.hold(8);
        few.add(jobs(8));
        assertThat(few.isLow()).isFalse();
        for (int i = 0; i < 5; i++) {
            few.take(null);
        }
        assertThat(few.isLow()).as("3 left of the 8 runners and prefetch may hold").isTrue();
    }

    @Test
    void aPrefetchTheUserSetStaysAsSet() {
        ClaimBuffer<String> buffer = new ClaimBuffer<>(8, 16);
        buffer.finished(1000);
        buffer.adapt(50 * MS, 100 * MS);
        buffer.adapt(50 * MS, 200 * MS);
        assertThat(buffer.prefetch()).isEqualTo(16);
    }

    private static void finish(ClaimBuffer<String> buffer, int jobs) {
        buffer.hold(jobs);
        buffer.finished(jobs);
    }
}
