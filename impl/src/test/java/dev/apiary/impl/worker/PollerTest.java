package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.QueueLimits;
import dev.apiary.impl.worker.MonitorTest.DelegatingSource;
import dev.apiary.impl.worker.MonitorTest.Email;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.Settlement;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The poller alone, on the manual scheduler: when it claims, how much, and what it reports. */
class PollerTest {

    /** Records every claim's time; fails claims while {@link #down}; ends (as a finished stream) when {@link #ended}. */
    static final class WatchedClaims extends DelegatingSource<Email> {
        final List<Instant> claims = new CopyOnWriteArrayList<>();
        final StageFixture<?>[] stage = new StageFixture<?>[1];
        volatile boolean down;
        volatile boolean ended;

        WatchedClaims(JobSource<Email> delegate) {
            super(delegate);
        }

        @Override
        public List<Job<Email>> claim(String workerId, int max) {
            claims.add(stage[0].clock.instant());
            if (down) {
                throw new IllegalStateException("database went away");
            }
            return super.claim(workerId, max);
        }

        @Override
        public boolean isExhausted() {
            return ended;
        }
    }

    /** Records what the poller reports; halts polling after a failed claim, as the instance does. */
    static final class Calls implements Poller.Callbacks {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile boolean halted;

        @Override
        public boolean halted() {
            return halted;
        }

        @Override
        public void claimed(int jobs, boolean engaged) {
            calls.add("claimed " + jobs + (engaged ? " engaged" : ""));
        }

        @Override
        public void dispatch() {
            calls.add("dispatch");
        }

        @Override
        public void claimFailed(Throwable error) {
            halted = true;
            calls.add("failed: " + error.getMessage());
        }

        @Override
        public void sourceEnded() {
            calls.add("ended");
        }
    }

    private WatchedClaims source;
    private final StageFixture<Email> stage = new StageFixture<>("email", Email.class,
            s -> source = new WatchedClaims(s),
            worker -> worker.concurrency(2).prefetch(0).pollInterval(Duration.ofSeconds(1))
                    .maxPollInterval(Duration.ofSeconds(4)), job -> Outcome.done());
    private final ClaimBuffer<Email> buffer = stage.buffer();
    private final Calls calls = new Calls();
    private volatile Optional<Duration> overdue = Optional.empty();
    private final Poller<Email> poller = new Poller<>(stage.context, buffer, () -> overdue, calls);

    {
        source.stage[0] = stage;
    }

    @Test
    void aPollClaimsUpToTheFreeSlotsReportsTheInstanceEngagedAndDispatches() {
        // given five pending jobs and two free slots
        for (int i = 0; i < 5; i++) {
            stage.storage.push(new Email("to-" + i));
        }

        // when a poll is requested and runs
        poller.requestPoll();
        stage.scheduler.runUntilIdle();

        // then it claimed two, reported the instance engaged before buffering them, and started runners
        assertThat(calls.calls).containsExactly("claimed 2 engaged", "dispatch");
        assertThat(buffer.held()).isEqualTo(2);
        assertThat(buffer.free()).isZero();
        assertThat(poller.mayHaveMore()).as("it filled every free slot").isTrue();
        assertThat(stage.stats.lastTick).isEqualTo(stage.clock.instant());
    }

    @Test
    void withNoFreeSlotItTicksOnTheSchedulerButAsksTheSourceNothing() {
        // given an instance whose slots are all held
        buffer.hold(2);

        // when ten poll intervals pass
        poller.requestPoll();
        stage.scheduler.tick(Duration.ofSeconds(10));

        // then the poller ticked every interval without a claim
        assertThat(source.claims).isEmpty();
        assertThat(stage.stats.lastTick).isEqualTo(stage.clock.instant());
        assertThat(calls.calls).isEmpty();
    }

    @Test
    void emptyClaimsBackOffDoublingFromThePollIntervalToTheMaximum() {
        // given an empty queue
        Instant start = stage.clock.instant();

        // when polling runs for twenty seconds
        poller.requestPoll();
        stage.scheduler.tick(Duration.ofSeconds(20));

        // then the pause after each empty claim doubled from 1 s up to 4 s
        assertThat(source.claims).extracting(at -> Duration.between(start, at).toSeconds())
                .containsExactly(0L, 2L, 6L, 10L, 14L, 18L);
    }

    @Test
    void aPushWakesThePollerBeforeItsNextTick() {
        // given a poller backed off to its longest pause
        poller.requestPoll();
        stage.scheduler.tick(Duration.ofSeconds(7));
        int before = source.claims.size();

        // when a job is pushed and the source wakes the poller
        stage.storage.push(new Email("a"));
        poller.wake();
        stage.scheduler.runUntilIdle();

        // then it claims at once
        assertThat(source.claims).hasSize(before + 1);
        assertThat(calls.calls).contains("claimed 1 engaged");
    }

    @Test
    void aFailedClaimIsReportedAndNoPollFollowsUntilARestart() {
        // given a source that is down
        source.down = true;

        // when a poll runs and time passes
        poller.requestPoll();
        stage.scheduler.tick(Duration.ofSeconds(30));

        // then the failure was reported once and nothing polled after it
        assertThat(calls.calls).containsExactly("failed: database went away");
        assertThat(source.claims).hasSize(1);

        // and a restart polls again at once
        source.down = false;
        calls.halted = false;
        poller.restart();
        stage.scheduler.runUntilIdle();
        assertThat(source.claims).hasSize(2);
    }

    @Test
    void whileHeartbeatsAreOverdueItClaimsNothingAndClaimsAgainOnceOneGetsThrough() {
        // given a pending job and heartbeats that have not got through for a while
        stage.storage.push(new Email("a"));
        overdue = Optional.of(Duration.ofSeconds(40));

        // when polls come
        poller.requestPoll();
        stage.scheduler.tick(Duration.ofSeconds(3));

        // then the source is asked nothing
        assertThat(source.claims).isEmpty();

        // and once a heartbeat gets through the next tick claims
        overdue = Optional.empty();
        stage.scheduler.tick(Duration.ofSeconds(1));
        assertThat(calls.calls).containsExactly("claimed 1 engaged", "dispatch");
    }

    @Test
    void anEndedSourceWithNothingHeldIsReportedOnce() {
        // given a stream that has ended
        source.ended = true;

        // when the poller polls
        poller.requestPoll();
        stage.scheduler.tick(Duration.ofSeconds(10));

        // then it reports the end and schedules nothing more
        assertThat(calls.calls).containsExactly("claimed 0", "ended");
        assertThat(stage.scheduler.nextDue()).isNull();
    }

    @Test
    void whileACapOnRunningJobsOfAllNodesIsReachedItClaimsForIdleRunnersOnlyNotForThePrefetch() {
        // given two runners with a prefetch of three, in two queues: one whose cap of 6 running jobs another node's
        // claim just reached, and one whose cap of 100 it did not; that node then finished 4 of its 6 jobs
        StageFixture<Email> capped = prefetching();
        StageFixture<Email> roomy = prefetching();
        capped.storage.limit(QueueLimits.none().withMaxRunning(6));
        roomy.storage.limit(QueueLimits.none().withMaxRunning(100));
        for (StageFixture<Email> fixture : List.of(capped, roomy)) {
            for (int i = 0; i < 20; i++) {
                fixture.storage.push(new Email("to-" + i));
            }
            List<Job<Email>> other = fixture.storage.claim("other-node", 6);
            fixture.storage.settle(other.subList(0, 4).stream()
                    .map(job -> new Settlement(job.context(), Outcome.done())).toList());
        }

        // when each polls once
        ClaimBuffer<Email> cappedBuffer = capped.buffer();
        ClaimBuffer<Email> roomyBuffer = roomy.buffer();
        new Poller<>(capped.context, cappedBuffer, Optional::empty, new Calls()).requestPoll();
        new Poller<>(roomy.context, roomyBuffer, Optional::empty, new Calls()).requestPoll();
        capped.scheduler.runUntilIdle();
        roomy.scheduler.runUntilIdle();

        // then at the cap it took jobs for its two runners only, leaving the other two free slots to other nodes,
        // while below a cap it prefetches as usual
        assertThat(cappedBuffer.held()).as("claimed after the cap was reached").isEqualTo(2);
        assertThat(roomyBuffer.held()).as("claimed below the cap").isEqualTo(5);
    }

    private static StageFixture<Email> prefetching() {
        return new StageFixture<>("email", Email.class, s -> s,
                worker -> worker.concurrency(2).prefetch(3).pollInterval(Duration.ofSeconds(1)), job -> Outcome.done());
    }
}
