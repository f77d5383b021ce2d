package dev.apiary.jpa;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The trace context of a push travels through the database: a job pushed inside a span, stored in PostgreSQL and
 * claimed by a worker that starts only afterwards, runs in a child span of it.
 */
class TracedJobAcrossDatabaseTest {

    @Test
    void aJobPushedInsideASpanRunsInAChildSpanOfItAfterTheDatabase() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
        JobStorage<ContractPayload> storage = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE,
                Db.POSTGRESQL)).queue("traced", ContractPayload.class).build();
        AtomicReference<SpanContext> inHandler = new AtomicReference<>();
        Monitor monitor = Monitor.create().telemetry(sdk);
        monitor.register(WorkerBuilder.named("traced").source(storage).handler(job -> {
            inHandler.set(Span.current().getSpanContext());
            return Outcome.done();
        }));
        try {
            Span request = sdk.getTracer("test").spanBuilder("POST /orders").startSpan();
            String id;
            try (Scope ignored = request.makeCurrent()) {
                id = storage.push(new ContractPayload("order", 1));
            } finally {
                request.end();
            }
            assertThat(storage.find(id).orElseThrow().metadata().get("traceparent"))
                    .startsWith("00-" + request.getSpanContext().getTraceId() + "-"
                            + request.getSpanContext().getSpanId() + "-");

            monitor.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> storage.find(id).orElseThrow().status()
                    == JobStatus.DONE);
            await().atMost(Duration.ofSeconds(5)).until(() -> attempts(spans, id).size() == 1);
            SpanData attempt = attempts(spans, id).get(0);
            assertThat(attempt.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
            assertThat(attempt.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
            assertThat(inHandler.get().getSpanId()).isEqualTo(attempt.getSpanId());
        } finally {
            monitor.stop();
            // pushes of the other tests in this JVM report nowhere again
            Monitor.create().telemetry(OpenTelemetry.noop());
            ((JpaJobStorage<ContractPayload>) storage).close();
        }
    }

    private static List<SpanData> attempts(InMemorySpanExporter spans, String id) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> id.equals(s.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))))
                .toList();
    }
}
