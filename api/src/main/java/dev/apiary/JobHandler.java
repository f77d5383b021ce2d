package dev.apiary;

/**
 * Runs one job. A lambda is a handler, as {@code service_fn} is in apalis.
 * An exception thrown here is turned into an {@link Outcome} by the worker's layers: see {@code Layers.retry}.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface JobHandler<T> {

    Outcome handle(Job<T> job) throws Exception;

    /** A handler that only consumes the payload and reports {@link Outcome#done()} when it returns. */
    static <T> JobHandler<T> of(PayloadConsumer<T> consumer) {
        return job -> {
            consumer.accept(job.payload());
            return Outcome.done();
        };
    }

    /** A consumer of a payload that may throw. */
    @FunctionalInterface
    interface PayloadConsumer<T> {
        void accept(T payload) throws Exception;
    }
}
