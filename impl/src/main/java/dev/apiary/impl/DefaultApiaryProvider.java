package dev.apiary.impl;

import dev.apiary.JobOptions;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.StorageSettings;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.impl.layer.CatchFailureStrategy;
import dev.apiary.impl.layer.ConcurrencyLimitStrategy;
import dev.apiary.impl.layer.RateLimitStrategy;
import dev.apiary.impl.layer.RetryStrategy;
import dev.apiary.impl.layer.TimeoutStrategy;
import dev.apiary.impl.layer.TracingStrategy;
import dev.apiary.impl.monitor.DefaultMonitor;
import dev.apiary.impl.mq.InMemoryMessageQueue;
import dev.apiary.impl.mq.MessageQueueSource;
import dev.apiary.impl.mq.PublisherQueue;
import dev.apiary.impl.storage.InMemoryStorage;
import dev.apiary.impl.worker.DefaultWorkerBuilder;
import dev.apiary.layer.Layer;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.ApiaryProvider;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Flow;

/** The runtime behind the API's static entry points, registered in {@code META-INF/services}. */
public final class DefaultApiaryProvider extends ApiaryProvider {

    private volatile Codec codec;

    @Override
    public WorkerBuilder<Object> newWorkerBuilder(String name) {
        return new DefaultWorkerBuilder<>(name);
    }

    @Override
    public JobOptions pushing(String queue, JobOptions options, int jobs) {
        return Telemetry.shared().pushing(queue, options, jobs);
    }

    @Override
    public Monitor newMonitor() {
        return new DefaultMonitor();
    }

    @Override
    public Monitor newMonitor(Executor executor, ScheduledExecutorService scheduler) {
        return new DefaultMonitor(executor, scheduler);
    }

    @Override
    public <T> JobStorage<T> newInMemoryStorage(String queue, Class<T> payloadType) {
        return new InMemoryStorage<>(queue, payloadType, codec(), Clock.systemUTC(), workerRetention(), node());
    }

    @Override
    public dev.apiary.flow.Flows flows(java.util.List<JobStorage<?>> storages) {
        return new dev.apiary.impl.flow.DefaultFlows(() -> storages);
    }

    @Override
    public Duration workerRetention() {
        return StorageSettings.workerRetention(ApiaryConfig.fromEnvironmentQuietly());
    }

    @Override
    public String node() {
        return StorageSettings.node(ApiaryConfig.fromEnvironmentQuietly());
    }

    @Override
    public <T> JobSource<T> messageQueueSource(MessageQueue<T> queue) {
        return new MessageQueueSource<>(queue);
    }

    @Override
    public <T> MessageQueue<T> publisherQueue(String queue, Flow.Publisher<? extends T> publisher, int maxAttempts) {
        return new PublisherQueue<>(queue, publisher, maxAttempts);
    }

    @Override
    public <T> MessageQueue<T> newInMemoryMessageQueue(String queue) {
        return new InMemoryMessageQueue<>(queue);
    }

    @Override
    public Codec codec() {
        Codec c = codec;
        if (c == null) {
            synchronized (this) {
                if (codec == null) {
                    codec = new JsonbCodec();
                }
                c = codec;
            }
        }
        return c;
    }

    @Override
    public Layer retryLayer(RetryPolicy policy) {
        return new RetryStrategy(policy);
    }

    @Override
    public Layer timeoutLayer(Duration timeout) {
        return new TimeoutStrategy(timeout);
    }

    @Override
    public Layer rateLimitLayer(int permits, Duration period) {
        return new RateLimitStrategy(permits, period);
    }

    @Override
    public Layer concurrencyLimitLayer(int limit) {
        return new ConcurrencyLimitStrategy(limit);
    }

    @Override
    public Layer catchFailureLayer() {
        return new CatchFailureStrategy();
    }

    @Override
    public Layer tracingLayer() {
        return new TracingStrategy();
    }

    @Override
    public dev.apiary.JobProgress progress(dev.apiary.JobContext job) {
        return dev.apiary.impl.progress.ProgressTracker.of(job);
    }

    @Override
    public boolean isCancelled(dev.apiary.JobContext job) {
        return dev.apiary.impl.progress.ProgressTracker.isCancelled(job);
    }
}
