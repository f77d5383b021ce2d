package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.worker.MonitorTest.DelegatingSource;
import dev.apiary.impl.worker.MonitorTest.Email;
import dev.apiary.spi.Settlement;
import dev.apiary.worker.WorkerEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The settler alone: outcomes in, settlements written to a real in-memory storage, on the manual scheduler. */
class SettlerTest {

    /** Fails the next {@link #failures} settle calls, as a database that is away. */
    static final class FlakySettles extends DelegatingSource<Email> {
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();

        FlakySettles(dev.apiary.spi.JobSource<Email> delegate) {
            super(delegate);
        }

        @Override
        public void settle(List<Settlement> settlements) {
            writes.incrementAndGet();
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("database went away");
            }
            super.settle(settlements);
        }
    }

    /** Records what the settler reports. */
    static final class Calls implements Settler.Callbacks {
        final List<WorkerEvent.Kind> events = new CopyOnWriteArrayList<>();
        volatile boolean stopping;

        @Override
        public void publish(WorkerEvent.Kind kind, String jobId, Outcome outcome) {
            events.add(kind);
        }

        @Override
        public boolean stopping() {
            return stopping;
        }
    }

    private FlakySettles flaky;
    private final StageFixture<Email> stage = new StageFixture<>("email", Email.class,
            source -> flaky = new FlakySettles(source), worker -> worker.concurrency(4), job -> Outcome.done());
    private final ClaimBuffer<Email> buffer = stage.buffer();
    private final Calls calls = new Calls();
    private final Settler<Email> settler = new Settler<>(stage.context, buffer, calls);

    @Test
    void eachOutcomeIsCountedAndReportedByWhatItMakesOfItsJobAndWrittenInOneBatch() {
        // given three claimed jobs
        for (String to : List.of("a", "b", "c")) {
            stage.storage.push(new Email(to));
        }
        List<Job<Email>> jobs = stage.claimInto(buffer, 3);
        buffer.take(null);
        buffer.take(null);
        buffer.take(null);

        // when a runner records a done, a retried and a killed attempt and hands them in with an empty buffer
        List<Settlement> outcomes = new ArrayList<>();
        settler.record(jobs.get(0), Outcome.done(), outcomes);
        settler.record(jobs.get(1), Outcome.retryAt(stage.clock.instant().plusSeconds(60), "later"), outcomes);
        settler.record(jobs.get(2), Outcome.kill("no such mailbox"), outcomes);
        settler.settleLater(outcomes);

        // then they are written at once, on the runner's thread, in one write
        assertThat(outcomes).as("the runner's list is cleared for its next chunk").isEmpty();
        assertThat(flaky.writes.get()).isEqualTo(1);
        assertThat(stage.storage.find(jobs.get(0).id()).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(stage.storage.find(jobs.get(1).id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        assertThat(stage.storage.find(jobs.get(2).id()).orElseThrow().status()).isEqualTo(JobStatus.KILLED);
        assertThat(calls.events).containsExactly(WorkerEvent.Kind.JOB_DONE, WorkerEvent.Kind.JOB_RETRIED,
                WorkerEvent.Kind.JOB_KILLED);
        assertThat(stage.stats.done.sum()).isEqualTo(1);
        assertThat(stage.stats.retried.sum()).isEqualTo(1);
        assertThat(stage.stats.failed.sum()).isEqualTo(1);
        assertThat(stage.scheduler.runUntilIdle()).as("no task was needed").isZero();
    }

    @Test
    void aWriteThatFailsKeepsItsOutcomesAndRetriesThemOneSecondLaterByTheClock() {
        // given a claimed job and a storage that fails the next write
        String id = stage.storage.push(new Email("a"));
        Job<Email> job = stage.claimInto(buffer, 1).get(0);
        buffer.take(null);
        flaky.failures.set(1);

        // when its outcome is handed in
        List<Settlement> outcomes = new ArrayList<>();
        settler.record(job, Outcome.done(), outcomes);
        settler.settleLater(outcomes);

        // then nothing is written yet, the failure is on record, and just before a second nothing is retried
        assertThat(stage.storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(stage.stats.lastError).startsWith("Cannot settle 1 outcomes");
        stage.scheduler.tick(Settler.SETTLE_RETRY.minusMillis(1));
        assertThat(flaky.writes.get()).isEqualTo(1);

        // and a second after the failure the kept outcome is written
        stage.scheduler.tick(Duration.ofMillis(1));
        assertThat(flaky.writes.get()).isEqualTo(2);
        assertThat(stage.storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
    }

    @Test
    void aStoppingInstanceDoesNotRetryAFailedWriteAndItsFinalDrainWritesWhatIsLeft() throws Exception {
        // given a stopping instance whose storage fails its next write
        String id = stage.storage.push(new Email("a"));
        Job<Email> job = stage.claimInto(buffer, 1).get(0);
        buffer.take(null);
        calls.stopping = true;
        flaky.failures.set(1);
        List<Settlement> outcomes = new ArrayList<>();
        settler.record(job, Outcome.done(), outcomes);
        settler.settleLater(outcomes);

        // when the retry would be due, nothing is scheduled for it
        stage.scheduler.tick(Settler.SETTLE_RETRY.multipliedBy(2));
        assertThat(flaky.writes.get()).isEqualTo(1);

        // then the stop's final drain writes it, and nothing is left unwritten
        assertThat(settler.drainFinally(stage.clock.nanoTime())).isZero();
        assertThat(stage.storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
    }
}
