package dev.apiary.worker;

import dev.apiary.JobHandler;
import dev.apiary.layer.Layer;
import dev.apiary.spi.ApiaryProvider;
import dev.apiary.spi.JobSource;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Builds a {@link Worker} from a source, layers, data and a handler, like apalis's {@code WorkerBuilder}.
 * A name, a source and a handler are required; everything else has a default.
 *
 * <pre>{@code
 * Worker w = WorkerBuilder.named("email")
 *     .source(storage)
 *     .layer(Layers.retry(RetryPolicy.defaults()))
 *     .concurrency(8)
 *     .handler(job -> { send(job.payload()); return Outcome.done(); });
 * }</pre>
 *
 * @param <T> the payload type, fixed by the source
 */
public interface WorkerBuilder<T> {

    /** Starts a builder for a worker with the given name. */
    static WorkerBuilder<Object> named(String name) {
        return ApiaryProvider.instance().newWorkerBuilder(name);
    }

    /** Where jobs come from; fixes the payload type. */
    <U> WorkerBuilder<U> source(JobSource<U> source);

    /** Adds a layer; the first added is the outermost. */
    WorkerBuilder<T> layer(Layer layer);

    /** Jobs one instance runs at once (default 1). */
    WorkerBuilder<T> concurrency(int concurrency);

    /**
     * Jobs an instance claims beyond its free slots, a fixed number. Without it (the default) an instance claims
     * ahead as far as keeps its slots busy until its next claim returns (the rate at which it finishes jobs times a
     * claim's round trip), up to 1,000: many short jobs are claimed hundreds at a time, long jobs only for free
     * slots. Prefetched jobs are held (running, in the storage's eyes) while they wait; a stop hands them back at
     * once. Set 0 to claim only for free slots.
     */
    WorkerBuilder<T> prefetch(int jobs);

    /** A dependency handlers can read with {@code job.data(type)}. */
    <D> WorkerBuilder<T> data(Class<D> type, D value);

    /** The shortest pause between polls; idle polling backs off from it (default 100 ms). */
    WorkerBuilder<T> pollInterval(Duration interval);

    /** The longest pause between polls when idle (default 2 s). */
    WorkerBuilder<T> maxPollInterval(Duration interval);

    /** How often the instance heartbeats to its source (default 10 s). */
    WorkerBuilder<T> heartbeatInterval(Duration interval);

    /**
     * After how long without a heartbeat another node's running jobs count as orphans (default 60 s);
     * 0 turns orphan recovery off for this worker.
     */
    WorkerBuilder<T> lease(Duration lease);

    /** Where jobs run; by default the monitor's executor (the managed one in a container). */
    WorkerBuilder<T> executor(Executor executor);

    /** Builds the worker with its handler. */
    Worker handler(JobHandler<T> handler);
}
