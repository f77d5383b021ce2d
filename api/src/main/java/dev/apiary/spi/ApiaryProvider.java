package dev.apiary.spi;

import dev.apiary.ConfigurationException;
import dev.apiary.JobOptions;
import dev.apiary.layer.Layer;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Flow;
import java.util.ServiceLoader;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The bridge from the API to a runtime, found with {@link ServiceLoader} (as MicroProfile specs find theirs).
 * The {@code apiary-impl} jar provides one; applications do not call it directly.
 */
public abstract class ApiaryProvider {

    private static volatile ApiaryProvider instance;

    /** The runtime on the class path. */
    public static ApiaryProvider instance() {
        ApiaryProvider found = instance;
        if (found == null) {
            synchronized (ApiaryProvider.class) {
                found = instance;
                if (found == null) {
                    found = load();
                    instance = found;
                }
            }
        }
        return found;
    }

    private static ApiaryProvider load() {
        for (ClassLoader loader : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                ApiaryProvider.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            Iterator<ApiaryProvider> it = ServiceLoader.load(ApiaryProvider.class, loader).iterator();
            if (it.hasNext()) {
                return it.next();
            }
        }
        throw new ConfigurationException("No Apiary runtime found: add dev.apiary:apiary-impl to the application");
    }

    public abstract WorkerBuilder<Object> newWorkerBuilder(String name);

    /**
     * Called by a storage before it stores pushed jobs, on the pusher's thread: the runtime may add metadata (the
     * caller's trace context, as a W3C {@code traceparent}) and count the jobs. Returns the options to store.
     */
    public JobOptions pushing(String queue, JobOptions options, int jobs) {
        return options;
    }

    public abstract Monitor newMonitor();

    /** A monitor on executors the caller owns. */
    public abstract Monitor newMonitor(Executor executor, ScheduledExecutorService scheduler);

    /** A thread-safe in-memory storage, for tests and single-process use. */
    public abstract <T> JobStorage<T> newInMemoryStorage(String queue, Class<T> payloadType);

    /** Chains, batches and workflows over these storages' queues. */
    public dev.apiary.flow.Flows flows(java.util.List<JobStorage<?>> storages) {
        throw new UnsupportedOperationException("This Apiary runtime has no flows");
    }

    /** A job source over a message queue; see {@link MessageQueue#asSource()}. */
    public abstract <T> JobSource<T> messageQueueSource(MessageQueue<T> queue);

    /** A message queue over a reactive stream; see {@link Streams}. */
    public abstract <T> MessageQueue<T> publisherQueue(String queue, Flow.Publisher<? extends T> publisher,
                                                       int maxAttempts);

    /** A thread-safe in-memory message queue, for tests. */
    public abstract <T> MessageQueue<T> newInMemoryMessageQueue(String queue);

    /** The default codec (JSON-B). */
    public abstract Codec codec();

    public abstract Layer retryLayer(RetryPolicy policy);

    public abstract Layer timeoutLayer(Duration timeout);

    public abstract Layer rateLimitLayer(int permits, Duration period);

    public abstract Layer concurrencyLimitLayer(int limit);

    public abstract Layer catchFailureLayer();

    public abstract Layer tracingLayer();

    /**
     * How long a storage keeps a worker instance's row after its last heartbeat, for the cluster's worker list:
     * {@code apiary.storage.worker-retention}, one hour by default. Read each time a storage is built.
     */
    public Duration workerRetention() {
        return Duration.ofHours(1);
    }

    /**
     * This node's name for worker rows and attempts: {@code apiary.node} when set, else {@link NodeIdentity#detected()}.
     * Read each time a storage is built.
     */
    public String node() {
        return NodeIdentity.detected();
    }

    /** The progress reporter of a job running in this process; see {@link dev.apiary.JobProgress#of}. */
    public dev.apiary.JobProgress progress(dev.apiary.JobContext job) {
        return (percent, message) -> { };
    }

    /** Whether {@code job} runs in this process and was cancelled; see {@link dev.apiary.JobContext#isCancelled}. */
    public boolean isCancelled(dev.apiary.JobContext job) {
        return false;
    }
}
