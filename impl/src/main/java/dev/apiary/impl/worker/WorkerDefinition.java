package dev.apiary.impl.worker;

import dev.apiary.JobHandler;
import dev.apiary.layer.Layer;
import dev.apiary.spi.JobSource;
import dev.apiary.worker.Worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A built worker: everything an instance needs to run. Immutable.
 *
 * @param executor where jobs run, or {@code null} for the monitor's executor
 */
public record WorkerDefinition<T>(String name, JobSource<T> source, List<Layer> layers, JobHandler<T> handler,
                                  int concurrency, int prefetch, Map<Class<?>, Object> data, Duration pollInterval,
                                  Duration maxPollInterval, Duration heartbeatInterval, Duration lease,
                                  Executor executor) implements Worker {

    public WorkerDefinition {
        layers = List.copyOf(layers);
        data = Map.copyOf(data);
    }
}
