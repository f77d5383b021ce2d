package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.RecordRefusedException;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.WorkerDriver;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerSnapshot;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker whose source refuses one outcome's data, as a database in a single-byte encoding refuses a character it
 * has no code for: every other outcome is written, the refused job ends with its text in plain ASCII (or failed with
 * a fixed reason), and the worker's counters and events say what was written. The previous settler retried the
 * whole batch every second for ever, and no outcome of the worker was written.
 */
class SettlerRefusalTest {

    private final ManualClock clock = ManualClock.startingNow();
    private final JobStorage<String> storage = WorkerDriver.inMemoryStorage("q", String.class, clock);

    /** The storage behind a door that refuses a settle call holding a settlement {@code refuses} matches. */
    private JobSource<String> refusing(Predicate<Settlement> refuses) {
        return new JobSource<>() {
            @Override
            public String queue() {
                return storage.queue();
            }

            @Override
            public List<Job<String>> claim(String workerId, int max) {
                return storage.claim(workerId, max);
            }

            @Override
            public void settle(List<Settlement> settlements) {
                if (settlements.stream().anyMatch(refuses)) {
                    throw new RecordRefusedException("character has no equivalent in encoding LATIN1", null);
                }
                storage.settle(settlements);
            }

            @Override
            public void release(String workerId, List<String> jobIds) {
                storage.release(workerId, jobIds);
            }

            @Override
            public AutoCloseable onAvailable(Runnable wakeup) {
                return storage.onAvailable(wakeup);
            }
        };
    }

    private static boolean nonAscii(String text) {
        return text != null && text.chars().anyMatch(c -> c > 0x7e);
    }

    private StoredJob<String> stored(String id) {
        return storage.find(id).orElseThrow();
    }

    @Test
    void aRefusedOutcomeIsWrittenInAsciiAndEveryOtherOutcomeIsWritten() {
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("q")
                .source(refusing(s -> nonAscii(s.error()))).concurrency(4).handler(job -> {
                    if (job.payload().equals("poison")) {
                        throw new IllegalStateException("upstream said \u00e9chec");
                    }
                    return Outcome.done();
                }), clock);
        List<String> ids = storage.pushAll(IntStream.range(0, 40).mapToObj(n -> n == 17 ? "poison" : "job " + n)
                .toList(), JobOptions.defaults().withMaxAttempts(1));

        driver.runUntilIdle();

        assertThat(storage.counts()).containsEntry(JobStatus.DONE, 39L).containsEntry(JobStatus.FAILED, 1L)
                .containsEntry(JobStatus.RUNNING, 0L);
        assertThat(stored(ids.get(17)).lastError())
                .startsWith("java.lang.IllegalStateException: upstream said \\u00e9chec");
        WorkerSnapshot snapshot = driver.snapshot();
        assertThat(snapshot.done()).isEqualTo(39);
        assertThat(snapshot.failed()).isEqualTo(1);
        assertThat(snapshot.lastError()).contains("refused the outcome of job " + ids.get(17));
        assertThat(driver.events()).filteredOn(e -> ids.get(17).equals(e.jobId())).extracting(WorkerEvent::kind)
                .containsExactly(WorkerEvent.Kind.JOB_FAILED);
        driver.stop();
    }

    @Test
    void aRetryWhoseTextIsRefusedEvenInAsciiEndsFailedAndIsCountedSo() {
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("q")
                .source(refusing(s -> s.error() != null && s.error().contains("upstream")))
                .handler(job -> job.payload().equals("poison")
                        ? Outcome.retryAt(clock.instant().plus(Duration.ofMinutes(1)), "upstream said no")
                        : Outcome.done()), clock);
        String poison = storage.push("poison", JobOptions.defaults().withMaxAttempts(3));
        String plain = storage.push("plain");

        driver.runUntilIdle();

        assertThat(stored(poison).status()).isEqualTo(JobStatus.FAILED);
        assertThat(stored(poison).lastError()).isEqualTo(SettleWrite.REFUSED_REASON);
        assertThat(stored(plain).status()).isEqualTo(JobStatus.DONE);
        assertThat(driver.snapshot().retried()).isZero();
        assertThat(driver.snapshot().failed()).isEqualTo(1);
        assertThat(driver.events()).filteredOn(e -> poison.equals(e.jobId())).extracting(WorkerEvent::kind)
                .containsExactly(WorkerEvent.Kind.JOB_RETRIED, WorkerEvent.Kind.JOB_FAILED);
        driver.stop();
    }
}
