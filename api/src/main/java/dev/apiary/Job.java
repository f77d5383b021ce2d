package dev.apiary;

import java.util.Map;
import java.util.Objects;

/**
 * One unit of work handed to a {@link JobHandler}: a payload with its {@link JobContext}, and access to the
 * data the worker was built with.
 *
 * @param <T> the payload type
 */
public final class Job<T> {

    private final T payload;
    private final JobContext context;
    private final Map<Class<?>, Object> data;

    /** A job with no worker data; used by storages and tests. */
    public Job(T payload, JobContext context) {
        this(payload, context, Map.of());
    }

    private Job(T payload, JobContext context, Map<Class<?>, Object> data) {
        this.payload = payload;
        this.context = Objects.requireNonNull(context, "context");
        this.data = data;
    }

    /** The decoded payload. */
    public T payload() {
        return payload;
    }

    /** The job's identity, attempts and schedule. */
    public JobContext context() {
        return context;
    }

    /** Shorthand for {@code context().id()}. */
    public String id() {
        return context.id();
    }

    /**
     * A dependency the worker was built with ({@code WorkerBuilder.data(type, value)}), like apalis's {@code Data<T>}.
     *
     * @throws IllegalStateException when the worker has no data of that type
     */
    public <D> D data(Class<D> type) {
        Object value = data.get(type);
        if (value == null) {
            throw new IllegalStateException("Worker of queue '" + context.queue() + "' has no data of type "
                    + type.getName() + "; add it with WorkerBuilder.data(" + type.getSimpleName() + ".class, value)");
        }
        return type.cast(value);
    }

    /** This job with the given worker data attached. */
    public Job<T> withData(Map<Class<?>, Object> workerData) {
        return new Job<>(payload, context, Map.copyOf(workerData));
    }

    /** This job with another context (same payload and data). */
    public Job<T> withContext(JobContext newContext) {
        return new Job<>(payload, newContext, data);
    }

    @Override
    public String toString() {
        return "Job[" + context.id() + " queue=" + context.queue() + " attempt=" + context.attempt() + "/"
                + context.maxAttempts() + "]";
    }
}
