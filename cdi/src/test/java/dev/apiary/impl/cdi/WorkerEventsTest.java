package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Retry;
import dev.apiary.worker.WorkerEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Worker and job events reach the application's CDI observers, synchronous and asynchronous; and all of it works
 * with no OpenTelemetry on the class path (this module's tests run without it, the telemetry tests apart).
 */
@EnableWeld
class WorkerEventsTest {

    @ApplicationScoped
    public static class Observers {
        static final List<WorkerEvent> SYNC = new CopyOnWriteArrayList<>();
        static final List<WorkerEvent> ASYNC = new CopyOnWriteArrayList<>();

        void onEvent(@Observes WorkerEvent event) {
            SYNC.add(event);
        }

        void onEventAsync(@ObservesAsync WorkerEvent event) {
            ASYNC.add(event);
        }
    }

    /** Fails the first attempt of every job; kills "poison" jobs. */
    @JobWorker(name = "email")
    @Retry(initialDelay = "10ms", maxDelay = "20ms", jitter = 0)
    public static class MailSender implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            if (job.payload().to().startsWith("poison")) {
                return Outcome.kill("no such mailbox");
            }
            if (job.context().attempt() == 1) {
                throw new IllegalStateException("smtp.example.com refused the connection");
            }
            return Outcome.done();
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(Observers.class, MailSender.class, EmailStorage.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    JobQueue<Email> emails;

    @BeforeAll
    static void config() {
        TestConfig.use(Map.of());
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void eachAttemptIsOneJobEventAndARetryIsNotAFailure() {
        String retried = emails.push(new Email("ada@example.com"));
        String failed = emails.push(new Email("bob@example.com"), JobOptions.defaults().withMaxAttempts(1));
        String killed = emails.push(new Email("poison@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> kinds(Observers.SYNC, retried).size() == 2
                && kinds(Observers.SYNC, failed).size() == 1 && kinds(Observers.SYNC, killed).size() == 1);
        assertThat(kinds(Observers.SYNC, retried)).containsExactly(WorkerEvent.Kind.JOB_RETRIED,
                WorkerEvent.Kind.JOB_DONE);
        assertThat(kinds(Observers.SYNC, failed)).containsExactly(WorkerEvent.Kind.JOB_FAILED);
        assertThat(kinds(Observers.SYNC, killed)).containsExactly(WorkerEvent.Kind.JOB_KILLED);
        assertThat(Observers.SYNC).extracting(WorkerEvent::kind).contains(WorkerEvent.Kind.STARTED);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(kinds(Observers.ASYNC, retried)).containsExactlyInAnyOrder(WorkerEvent.Kind.JOB_RETRIED,
                    WorkerEvent.Kind.JOB_DONE);
            assertThat(kinds(Observers.ASYNC, killed)).containsExactly(WorkerEvent.Kind.JOB_KILLED);
        });
    }

    @Test
    void theseTestsRunWithoutOpenTelemetry() {
        assertThatThrownBy(() -> Class.forName("io.opentelemetry.api.OpenTelemetry"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThat(dev.apiary.impl.telemetry.Telemetry.AVAILABLE).isFalse();
    }

    private static List<WorkerEvent.Kind> kinds(List<WorkerEvent> events, String jobId) {
        return events.stream().filter(e -> jobId.equals(e.jobId())).map(WorkerEvent::kind).toList();
    }
}
