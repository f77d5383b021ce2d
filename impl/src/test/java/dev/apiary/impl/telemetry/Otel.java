package dev.apiary.impl.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A real OpenTelemetry SDK whose spans and metrics a test reads back: the in-memory exporter and reader of
 * {@code opentelemetry-sdk-testing}, as a server's MicroProfile Telemetry would export them.
 */
public final class Otel {

    public final InMemorySpanExporter spans = InMemorySpanExporter.create();
    public final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    public final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
            .build();

    /** The ended spans of job {@code id}'s attempts, first attempt first. */
    public List<SpanData> attemptsOf(String id) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> id.equals(s.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))))
                .sorted((a, b) -> Long.compare(attempt(a), attempt(b)))
                .toList();
    }

    public static long attempt(SpanData span) {
        return span.getAttributes().get(AttributeKey.longKey("apiary.job.attempt"));
    }

    /** One collection of every metric, by name. */
    public Map<String, MetricData> collect() {
        Collection<MetricData> all = metrics.collectAllMetrics();
        return all.stream().collect(java.util.stream.Collectors.toMap(MetricData::getName, m -> m, (a, b) -> a));
    }

    /** The value of a counter, up-down counter or gauge point with exactly these attributes, if there is one. */
    public static OptionalLong value(Map<String, MetricData> metrics, String name, Attributes attributes) {
        MetricData metric = metrics.get(name);
        if (metric == null) {
            return OptionalLong.empty();
        }
        Collection<LongPointData> points = switch (metric.getType()) {
            case LONG_SUM -> metric.getLongSumData().getPoints();
            case LONG_GAUGE -> metric.getLongGaugeData().getPoints();
            default -> throw new IllegalArgumentException(name + " is a " + metric.getType());
        };
        return points.stream().filter(p -> p.getAttributes().equals(attributes))
                .mapToLong(LongPointData::getValue).findFirst();
    }

    /** How many values a histogram recorded with exactly these attributes (0 when none). */
    public static long count(Map<String, MetricData> metrics, String name, Attributes attributes) {
        MetricData metric = metrics.get(name);
        if (metric == null) {
            return 0;
        }
        return metric.getHistogramData().getPoints().stream().filter(p -> p.getAttributes().equals(attributes))
                .mapToLong(HistogramPointData::getCount).sum();
    }

    public static Attributes queue(String queue) {
        return Attributes.of(AttributeKey.stringKey("queue"), queue);
    }

    public static Attributes queue(String queue, String outcome) {
        return Attributes.of(AttributeKey.stringKey("queue"), queue, AttributeKey.stringKey("outcome"), outcome);
    }
}
