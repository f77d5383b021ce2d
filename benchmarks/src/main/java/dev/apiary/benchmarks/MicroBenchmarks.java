package dev.apiary.benchmarks;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.impl.layer.LayerChain;
import dev.apiary.layer.Layer;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * JMH micro-benchmarks of the per-job paths: the JSON-B codec and the layer chain, each beside its baseline
 * (a hand-built JSON string; calling the handler directly). Run with {@code benchmarks/jmh.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class MicroBenchmarks {

    /** A typical small payload. */
    public record Email(String to, String subject, int templateId) {
    }

    private final JsonbCodec codec = new JsonbCodec();
    private final Email email = new Email("someone@example.com", "Welcome aboard", 42);
    private final String json = codec.encode(email);
    private final JobHandler<Email> handler = job -> Outcome.done();
    private final Job<Email> job = new Job<>(email, new JobContext("01900000-0000-7000-8000-000000000000", "email", 1,
            3, Instant.EPOCH, 0, Instant.EPOCH, "w", Map.of()));
    private final LayerChain<Email> bare = new LayerChain<>(List.of(), handler);
    private final LayerChain<Email> usual = new LayerChain<>(List.<Layer>of(Layers.catchFailure(),
            Layers.retry(RetryPolicy.defaults()), Layers.concurrencyLimit(1000)), handler);
    private final LayerChain<Email> withTimeout = new LayerChain<>(List.of(Layers.timeout(Duration.ofSeconds(10))),
            handler);

    @Benchmark
    public String encodeJsonb() {
        return codec.encode(email);
    }

    @Benchmark
    public String encodeBaselineConcat() {
        return "{\"subject\":\"" + email.subject() + "\",\"templateId\":" + email.templateId() + ",\"to\":\""
                + email.to() + "\"}";
    }

    @Benchmark
    public Email decodeJsonb() {
        return codec.decode(json, Email.class);
    }

    @Benchmark
    public Outcome handlerDirect() throws Exception {
        return handler.handle(job);
    }

    @Benchmark
    public Outcome chainNoLayers() throws Exception {
        return bare.invoke(job);
    }

    @Benchmark
    public Outcome chainCatchRetryLimit() throws Exception {
        return usual.invoke(job);
    }

    @Benchmark
    public Outcome chainTimeout() throws Exception {
        return withTimeout.invoke(job);
    }
}
