package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.impl.telemetry.Otel;
import dev.apiary.spi.JobStorage;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code apiary.telemetry.enabled=false}: jobs run as before and nothing reaches OpenTelemetry. */
@EnableWeld
class TelemetrySwitchedOffIT {

    static final Otel OTEL = new Otel();

    @ApplicationScoped
    public static class MicroProfileTelemetry {
        @Produces
        OpenTelemetry openTelemetry() {
            return OTEL.sdk;
        }
    }

    @JobWorker(name = "email")
    public static class MailSender implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(MicroProfileTelemetry.class, MailSender.class, EmailStorage.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    JobQueue<Email> emails;

    @Inject
    JobStorage<Email> storage;

    @BeforeAll
    static void config() {
        TestConfig.use(Map.of("apiary.telemetry.enabled", "false"));
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void jobsRunAndNoSpanNoMetricAndNoTraceContextIsRecorded() {
        Span request = OTEL.sdk.getTracer("test").spanBuilder("POST /mails").startSpan();
        String id;
        try (Scope ignored = request.makeCurrent()) {
            id = emails.push(new Email("ada@example.com"));
        } finally {
            request.end();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> storage.find(id).orElseThrow().status() == JobStatus.DONE);
        assertThat(storage.find(id).orElseThrow().metadata()).doesNotContainKey("traceparent");
        assertThat(OTEL.spans.getFinishedSpanItems()).extracting(s -> s.getName()).containsExactly("POST /mails");
        assertThat(OTEL.collect()).isEmpty();
    }
}
