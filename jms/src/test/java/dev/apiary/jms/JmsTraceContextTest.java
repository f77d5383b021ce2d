package dev.apiary.jms;

import dev.apiary.JobContext;
import dev.apiary.Outcome;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import jakarta.jms.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With OpenTelemetry on, a message sent inside a span carries the span's {@code traceparent} (added by the runtime at
 * push, as for a storage) through the broker: the consumed job has it in its metadata and its attempt's span
 * continues the trace.
 */
class JmsTraceContextTest {

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .build();

    @AfterEach
    void stop() {
        Telemetry.share(null);
        sdk.close();
    }

    @Test
    void aMessageSentInsideASpanIsConsumedInThatTrace() throws Exception {
        Telemetry.share(Telemetry.of(sdk, Telemetry.DEFAULT_BACKLOG_REFRESH));
        List<JobContext> runs = new CopyOnWriteArrayList<>();
        try (EmbeddedBroker broker = EmbeddedBroker.start();
             JmsQueue<Order> queue = JmsQueue.builder(broker.inVm(), "traced", Order.class)
                     .receiveTimeout(Duration.ofSeconds(1)).build()) {
            Monitor monitor = Monitor.create();
            monitor.register(WorkerBuilder.named("traced").source(queue.asSource()).handler(job -> {
                runs.add(job.context());
                return job.payload().id().equals("undeliverable") ? Outcome.kill("no such customer")
                        : Outcome.done();
            }));
            monitor.start();
            try {
                Span request = sdk.getTracer("test").spanBuilder("POST /orders").startSpan();
                try (Scope ignored = request.makeCurrent()) {
                    queue.send(new Order("o1", 1));
                    queue.send(new Order("undeliverable", 2));
                } finally {
                    request.end();
                }
                String traceId = request.getSpanContext().getTraceId();

                await().atMost(Duration.ofSeconds(10)).until(() -> runs.size() == 2);
                assertThat(runs).allSatisfy(c -> assertThat(c.metadata().get(JmsQueue.TRACEPARENT))
                        .startsWith("00-" + traceId + "-"));
                await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                        .filter(s -> s.getKind() == SpanKind.CONSUMER && s.getTraceId().equals(traceId)).count() == 2);
                // the dead letter keeps it, as a property of its own for tools that read W3C trace context
                Message dead = broker.drain(queue.deadLetterQueue()).get(0);
                assertThat(dead.getStringProperty(JmsQueue.TRACEPARENT)).startsWith("00-" + traceId + "-");
            } finally {
                monitor.stop();
            }
        }
    }
}
