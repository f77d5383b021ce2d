package dev.apiary.testing;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A paused queue on a running monitor: its workers claim nothing and stay healthy; a resume lets them claim again. */
class PausedQueueTest {

    public record Mail(String to) {
    }

    private final ManualClock clock = ManualClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    private final JobStorage<Mail> mail = WorkerDriver.inMemoryStorage("mail", Mail.class, clock);
    private final List<String> sent = new CopyOnWriteArrayList<>();

    private ManualMonitor startedMonitor() {
        return ManualMonitor.on(clock).register(2, i -> WorkerBuilder.named("mail").source(mail)
                .heartbeatInterval(Duration.ofSeconds(1)).handler(job -> {
                    sent.add(job.payload().to());
                    return Outcome.done();
                })).start();
    }

    @Test
    void aPausedQueueClaimsNothingAndResumeClaimsAgain() {
        // given a monitor whose workers drained the queue
        ManualMonitor monitor = startedMonitor();
        mail.push(new Mail("before"));
        monitor.tick(Duration.ofSeconds(1));
        assertThat(sent).containsExactly("before");

        // when the queue is paused and jobs are pushed while time passes
        mail.pause();
        mail.push(new Mail("a"));
        mail.push(new Mail("b"));
        monitor.tick(Duration.ofSeconds(30));

        // then nothing more ran, the jobs wait, and the workers are idle rather than failed
        assertThat(sent).containsExactly("before");
        assertThat(mail.counts()).containsEntry(JobStatus.PENDING, 2L);
        assertThat(monitor.snapshot()).allSatisfy(s -> assertThat(s.state()).isEqualTo(WorkerState.IDLE));

        // when it is resumed: the wake-up makes the idle workers claim without waiting for their backed-off poll
        mail.resume();
        monitor.tick(Duration.ZERO);

        assertThat(sent).containsExactly("before", "a", "b");
        monitor.stop();
    }

    @Test
    void aQueuePausedBeforeTheStartStaysPaused() {
        // given a queue paused before the monitor starts
        mail.push(new Mail("a"));
        mail.pause();

        ManualMonitor monitor = startedMonitor();
        monitor.tick(Duration.ofSeconds(10));

        assertThat(sent).isEmpty();
        mail.resume();
        monitor.tick(Duration.ZERO);
        assertThat(sent).containsExactly("a");
        monitor.stop();
    }
}
