package dev.apiary.impl.worker;

import dev.apiary.ConfigurationException;
import dev.apiary.JobHandler;
import dev.apiary.layer.Layer;
import dev.apiary.spi.JobSource;
import dev.apiary.worker.Worker;
import dev.apiary.worker.WorkerBuilder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/** The {@link WorkerBuilder}: collects the parts and checks them at {@link #handler}. */
public final class DefaultWorkerBuilder<T> implements WorkerBuilder<T> {

    private final String name;
    private JobSource<?> source;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<Class<?>, Object> data = new HashMap<>();
    private int concurrency = 1;
    /** The cap on jobs held beyond the runners; negative for the default cap. */
    private int prefetch = -1;
    private Duration pollInterval = Duration.ofMillis(100);
    private Duration maxPollInterval = Duration.ofSeconds(2);
    private Duration heartbeatInterval = Duration.ofSeconds(10);
    private Duration lease = Duration.ofSeconds(60);
    private Executor executor;

    public DefaultWorkerBuilder(String name) {
        if (name == null || name.isBlank()) {
            throw new ConfigurationException("A worker needs a non-blank name");
        }
        this.name = name;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <U> WorkerBuilder<U> source(JobSource<U> newSource) {
        this.source = Objects.requireNonNull(newSource, "source");
        return (WorkerBuilder<U>) this;
    }

    @Override
    public WorkerBuilder<T> layer(Layer layer) {
        layers.add(Objects.requireNonNull(layer, "layer"));
        return this;
    }

    @Override
    public WorkerBuilder<T> concurrency(int value) {
        if (value < 1) {
            throw new ConfigurationException("Worker '" + name + "': concurrency must be at least 1, was " + value);
        }
        this.concurrency = value;
        return this;
    }

    @Override
    public WorkerBuilder<T> prefetch(int jobs) {
        if (jobs < 0) {
            throw new ConfigurationException("Worker '" + name + "': prefetch must not be negative, was " + jobs);
        }
        this.prefetch = jobs;
        return this;
    }

    @Override
    public <D> WorkerBuilder<T> data(Class<D> type, D value) {
        data.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(value, "value"));
        return this;
    }

    @Override
    public WorkerBuilder<T> pollInterval(Duration interval) {
        this.pollInterval = positive("pollInterval", interval);
        return this;
    }

    @Override
    public WorkerBuilder<T> maxPollInterval(Duration interval) {
        this.maxPollInterval = positive("maxPollInterval", interval);
        return this;
    }

    @Override
    public WorkerBuilder<T> heartbeatInterval(Duration interval) {
        this.heartbeatInterval = positive("heartbeatInterval", interval);
        return this;
    }

    @Override
    public WorkerBuilder<T> lease(Duration value) {
        if (value == null || value.isNegative()) {
            throw new ConfigurationException("Worker '" + name + "': lease must be zero (off) or positive, was "
                    + value);
        }
        this.lease = value;
        return this;
    }

    @Override
    public WorkerBuilder<T> executor(Executor value) {
        this.executor = Objects.requireNonNull(value, "executor");
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Worker handler(JobHandler<T> handler) {
        if (handler == null) {
            throw new ConfigurationException("Worker '" + name + "' has no handler");
        }
        if (source == null) {
            throw new ConfigurationException("Worker '" + name + "' has no source: call source(storage) first");
        }
        if (maxPollInterval.compareTo(pollInterval) < 0) {
            throw new ConfigurationException("Worker '" + name + "': maxPollInterval (" + maxPollInterval
                    + ") is shorter than pollInterval (" + pollInterval + ")");
        }
        if (!lease.isZero() && lease.compareTo(heartbeatInterval) <= 0) {
            throw new ConfigurationException("Worker '" + name + "': lease (" + lease
                    + ") must be longer than heartbeatInterval (" + heartbeatInterval
                    + "), or live workers lose their jobs");
        }
        return new WorkerDefinition<>(name, (JobSource<T>) source, layers, handler, concurrency, prefetch, data, pollInterval,
                maxPollInterval, heartbeatInterval, lease, executor);
    }

    private Duration positive(String what, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new ConfigurationException("Worker '" + name + "': " + what + " must be positive, was " + value);
        }
        return value;
    }
}
