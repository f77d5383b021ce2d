package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.cdi.Traced;
import dev.apiary.impl.telemetry.Otel;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerSnapshot;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traces and metrics of jobs in a Weld container whose OpenTelemetry bean is a real SDK with in-memory exporters,
 * as MicroProfile Telemetry provides one on a server.
 */
@EnableWeld
class JobTelemetryIT {

    /** This test's SDK; the producer below hands it to the container, as MicroProfile Telemetry would. */
    static Otel otel;

    @ApplicationScoped
    public static class MicroProfileTelemetry {
        @Produces
        OpenTelemetry openTelemetry() {
            return otel.sdk;
        }
    }

    /**
     * Fails the first attempt of a "flaky" mail, every attempt of a "broken" one; waits for a "slow" one until
     * interrupted; sends the others.
     */
    @JobWorker(name = "email")
    @Traced
    @Retry(initialDelay = "10ms", maxDelay = "20ms", jitter = 0)
    @Timeout("10s")
    public static class MailSender implements JobHandler<Email> {
        /** The span current in the handler, per job id and attempt. */
        static final Map<String, String> CURRENT_SPANS = new ConcurrentHashMap<>();

        @Override
        public Outcome handle(Job<Email> job) throws InterruptedException {
            CURRENT_SPANS.put(job.id() + "/" + job.context().attempt(), Span.current().getSpanContext().getSpanId());
            if (job.payload().to().startsWith("slow")) {
                Thread.sleep(60_000);
            }
            if (job.payload().to().startsWith("broken")
                    || job.payload().to().startsWith("flaky") && job.context().attempt() == 1) {
                throw new IllegalStateException("smtp.example.com refused the connection");
            }
            Span send = otel.sdk.getTracer("mailer").spanBuilder("smtp send").startSpan();
            send.end();
            return Outcome.done();
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(MicroProfileTelemetry.class, MailSender.class, EmailStorage.class)
            .addExtension(new ApiaryExtension())).build();

    {
        otel = new Otel();
    }

    @Inject
    JobQueue<Email> emails;

    @Inject
    JobStorage<Email> storage;

    @Inject
    Monitor monitor;

    @BeforeAll
    static void config() {
        TestConfig.use(Map.of("apiary.workers.email.heartbeat-interval", "100ms",
                "apiary.telemetry.backlog-refresh", "100ms"));
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void aJobPushedInsideASpanRunsInAChildSpanOfItInWhichTheHandlersSpansNest() {
        Span request = otel.sdk.getTracer("test").spanBuilder("POST /mails").startSpan();
        String id;
        try (Scope ignored = request.makeCurrent()) {
            id = emails.push(new Email("ada@example.com"));
        } finally {
            request.end();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> otel.attemptsOf(id).size() == 1);
        assertThat(storage.find(id).orElseThrow().metadata().get("traceparent"))
                .contains(request.getSpanContext().getTraceId());
        SpanData attempt = otel.attemptsOf(id).get(0);
        assertThat(attempt.getName()).isEqualTo("process email");
        assertThat(attempt.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(attempt.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
        assertThat(attempt.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
        assertThat(attempt.getAttributes().asMap()).containsEntry(AttributeKey.stringKey("messaging.system"), "apiary")
                .containsEntry(AttributeKey.stringKey("messaging.destination.name"), "email")
                .containsEntry(AttributeKey.stringKey("messaging.operation.type"), "process")
                .containsEntry(AttributeKey.stringKey("messaging.consumer.group.name"), "email")
                .containsEntry(AttributeKey.longKey("apiary.job.attempt"), 1L)
                .containsEntry(AttributeKey.longKey("apiary.job.max_attempts"), 3L)
                .containsEntry(AttributeKey.stringKey("apiary.job.outcome"), "done");
        assertThat(attempt.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
        // current in the handler, which @Timeout runs on another thread, so its own spans nest under the attempt
        assertThat(MailSender.CURRENT_SPANS.get(id + "/1")).isEqualTo(attempt.getSpanId());
        SpanData send = otel.spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("smtp send") && s.getTraceId().equals(attempt.getTraceId()))
                .findFirst().orElseThrow();
        assertThat(send.getParentSpanId()).isEqualTo(attempt.getSpanId());
    }

    @Test
    void theTracingLayerLogsTheJobIdWithItsTraceId() {
        List<LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jobs = Logger.getLogger("dev.apiary.jobs");
        jobs.addHandler(capture);
        try {
            String id = emails.push(new Email("flaky-log@example.com"));
            await().atMost(Duration.ofSeconds(10)).until(() -> otel.attemptsOf(id).size() == 2);
            String traceId = otel.attemptsOf(id).get(0).getTraceId();
            assertThat(records).extracting(LogRecord::getMessage)
                    .anyMatch(m -> m.startsWith("retry at") && m.contains("job " + id) && m.contains("trace=" + traceId));
        } finally {
            jobs.removeHandler(capture);
        }
    }

    @Test
    void aRetriedAttemptIsAnErrorSpanAndARetryNotAFailure() {
        String id = emails.push(new Email("flaky@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> storage.find(id).orElseThrow().status() == JobStatus.DONE);
        await().atMost(Duration.ofSeconds(5)).until(() -> otel.attemptsOf(id).size() == 2);
        List<SpanData> attempts = otel.attemptsOf(id);
        SpanData first = attempts.get(0);
        assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(first.getStatus().getDescription()).contains("smtp.example.com refused the connection");
        assertThat(first.getAttributes().get(AttributeKey.stringKey("apiary.job.outcome"))).isEqualTo("retried");
        EventData exception = first.getEvents().stream().filter(e -> e.getName().equals("exception")).findFirst()
                .orElseThrow();
        assertThat(exception.getAttributes().get(AttributeKey.stringKey("exception.type")))
                .isEqualTo("java.lang.IllegalStateException");
        assertThat(attempts.get(1).getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
        assertThat(attempts.get(1).getAttributes().get(AttributeKey.stringKey("apiary.job.outcome"))).isEqualTo("done");
        // no span was current at the push: each attempt is a trace of its own
        assertThat(attempts.get(1).getTraceId()).isNotEqualTo(first.getTraceId());

        Map<String, MetricData> metrics = otel.collect();
        assertThat(Otel.value(metrics, "apiary.jobs.enqueued", Otel.queue("email"))).hasValue(1);
        assertThat(Otel.value(metrics, "apiary.jobs.retried", Otel.queue("email"))).hasValue(1);
        assertThat(Otel.value(metrics, "apiary.jobs.finished", Otel.queue("email", "done"))).hasValue(1);
        assertThat(Otel.value(metrics, "apiary.jobs.finished", Otel.queue("email", "failed"))).isEmpty();
        assertThat(Otel.count(metrics, "apiary.job.run.duration", Otel.queue("email", "retried"))).isEqualTo(1);
        assertThat(Otel.count(metrics, "apiary.job.run.duration", Otel.queue("email", "done"))).isEqualTo(1);
        assertThat(Otel.count(metrics, "apiary.job.wait.duration", Otel.queue("email"))).isEqualTo(2);
        assertThat(Otel.value(metrics, "apiary.jobs.running", Otel.queue("email"))).hasValue(0);

        WorkerSnapshot worker = monitor.snapshot().get(0);
        assertThat(worker.done()).isEqualTo(1);
        assertThat(worker.retried()).isEqualTo(1);
        assertThat(worker.failed()).isZero();
    }

    @Test
    void aJobThatFailsItsLastAttemptEndsFailedWithErrorSpansAndTheFailureCounted() {
        String id = emails.push(new Email("broken@example.com"), JobOptions.defaults().withMaxAttempts(2));

        await().atMost(Duration.ofSeconds(10)).until(() -> storage.find(id).orElseThrow().status() == JobStatus.FAILED);
        await().atMost(Duration.ofSeconds(5)).until(() -> otel.attemptsOf(id).size() == 2);
        List<SpanData> attempts = otel.attemptsOf(id);
        assertThat(attempts).allMatch(s -> s.getStatus().getStatusCode() == StatusCode.ERROR);
        assertThat(attempts).extracting(s -> s.getAttributes().get(AttributeKey.stringKey("apiary.job.outcome")))
                .containsExactly("retried", "failed");

        Map<String, MetricData> metrics = otel.collect();
        assertThat(Otel.value(metrics, "apiary.jobs.finished", Otel.queue("email", "failed"))).hasValue(1);
        assertThat(Otel.value(metrics, "apiary.jobs.retried", Otel.queue("email"))).hasValue(1);
        assertThat(Otel.count(metrics, "apiary.job.run.duration", Otel.queue("email", "failed"))).isEqualTo(1);
        WorkerSnapshot worker = monitor.snapshot().get(0);
        assertThat(worker.retried()).isEqualTo(1);
        assertThat(worker.failed()).isEqualTo(1);
    }

    @Test
    void aCancelledAttemptIsCountedAsCancelledNotAsAFailure() {
        String id = emails.push(new Email("slow@example.com"));
        await().atMost(Duration.ofSeconds(10)).until(() -> MailSender.CURRENT_SPANS.containsKey(id + "/1"));

        assertThat(storage.cancel(id, "ops", "not needed")).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> otel.attemptsOf(id).size() == 1);
        SpanData attempt = otel.attemptsOf(id).get(0);
        assertThat(attempt.getAttributes().get(AttributeKey.stringKey("apiary.job.outcome"))).isEqualTo("cancelled");
        Map<String, MetricData> metrics = otel.collect();
        assertThat(Otel.value(metrics, "apiary.jobs.finished", Otel.queue("email", "cancelled"))).hasValue(1);
        assertThat(Otel.value(metrics, "apiary.jobs.finished", Otel.queue("email", "failed"))).isEmpty();
        assertThat(Otel.value(metrics, "apiary.jobs.retried", Otel.queue("email"))).isEmpty();
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void theBacklogAndTheWorkerInstancesAreReported() {
        emails.push(new Email("later@example.com"), JobOptions.defaults().withDelay(Duration.ofHours(1)));

        Attributes pending = Attributes.of(AttributeKey.stringKey("queue"), "email",
                AttributeKey.stringKey("status"), "pending");
        Attributes idle = Attributes.of(AttributeKey.stringKey("worker"), "email",
                AttributeKey.stringKey("state"), "idle");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, MetricData> metrics = otel.collect();
            assertThat(Otel.value(metrics, "apiary.jobs.backlog", pending)).hasValue(1);
            assertThat(Otel.value(metrics, "apiary.worker.instances", idle)).hasValue(1);
        });
    }
}
