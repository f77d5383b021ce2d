package dev.apiary.testing;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.Outcome;
import dev.apiary.impl.layer.LayerChain;
import dev.apiary.spi.JobIds;
import dev.apiary.layer.Layer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a handler against one job synchronously, through the same layer chain a worker uses, and returns the outcome:
 * for unit tests of handlers, like apalis's mocking utilities.
 *
 * <pre>{@code
 * Outcome outcome = JobTester.forHandler(new EmailHandler(fakeMailer))
 *     .layer(Layers.retry(RetryPolicy.defaults()))
 *     .attempt(3, 3)
 *     .run(new Email("a@example.com"));
 * assertThat(outcome).isInstanceOf(Outcome.Failed.class);
 * }</pre>
 *
 * Without layers, an exception thrown by the handler is turned into {@link Outcome.Failed}, as a worker does.
 */
public final class JobTester<T> {

    private final JobHandler<T> handler;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<Class<?>, Object> data = new HashMap<>();
    private String queue = "test";
    private int attempt = 1;
    private int maxAttempts = JobOptions.DEFAULT_MAX_ATTEMPTS;
    private Map<String, String> metadata = Map.of();

    private JobTester(JobHandler<T> handler) {
        this.handler = handler;
    }

    public static <T> JobTester<T> forHandler(JobHandler<T> handler) {
        return new JobTester<>(handler);
    }

    public JobTester<T> layer(Layer layer) {
        layers.add(layer);
        return this;
    }

    public JobTester<T> queue(String name) {
        this.queue = name;
        return this;
    }

    /** Runs the job as its {@code attempt}-th attempt of {@code maxAttempts}. */
    public JobTester<T> attempt(int attemptNumber, int max) {
        this.attempt = attemptNumber;
        this.maxAttempts = max;
        return this;
    }

    public JobTester<T> metadata(Map<String, String> values) {
        this.metadata = Map.copyOf(values);
        return this;
    }

    public <D> JobTester<T> data(Class<D> type, D value) {
        data.put(type, value);
        return this;
    }

    /** Runs the handler once and returns its outcome; never throws for a handler's failure. */
    public Outcome run(T payload) {
        Instant now = Instant.now();
        JobContext context = new JobContext(JobIds.next(), queue, attempt, maxAttempts, now, 0, now, "test-worker",
                metadata);
        Job<T> job = new Job<>(payload, context).withData(data);
        try {
            return new LayerChain<>(layers, handler).invoke(job);
        } catch (Throwable t) {
            return Outcome.failed(t);
        }
    }
}
