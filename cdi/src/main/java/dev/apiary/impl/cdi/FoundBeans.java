package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.TelemetrySettings;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.MessageQueueFactory;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What a deployment holds for Apiary: its {@code @JobWorker} beans, its {@code JobStorage<T>} and
 * {@code MessageQueue<T>} beans and its named beans, and the steps that turn them into the {@link RuntimeDirectory}.
 * The portable extension fills it as the container reports each bean; the build-compatible one from the bean
 * manager at start.
 */
final class FoundBeans {

    /**
     * Every {@code @JobWorker} bean in discovery order, with what is known of it so far: each step replaces its model
     * by one that knows more.
     */
    final Map<WorkerBean, WorkerModel> workers = new LinkedHashMap<>();
    final List<StorageBean> storages = new ArrayList<>();
    /** {@code MessageQueue<T>} beans. */
    final List<StorageBean> messageQueues = new ArrayList<>();
    /** Beans with a name: the candidates for a schedule's payload. */
    final List<Bean<?>> namedBeans = new ArrayList<>();
    final List<MessageQueueFactory> queueFactories = new ArrayList<>();

    /** Notes {@code bean} if it has a name, or a {@code JobStorage<T>} or {@code MessageQueue<T>} type. */
    void add(Bean<?> bean) {
        if (bean.getName() != null) {
            namedBeans.add(bean);
        }
        for (Type type : bean.getTypes()) {
            if (type instanceof ParameterizedType p && p.getRawType() == JobStorage.class
                    && p.getActualTypeArguments()[0] instanceof Class<?> payload) {
                storages.add(new StorageBean(bean, payload, p, Set.copyOf(bean.getQualifiers())));
            }
            if (type instanceof ParameterizedType p && p.getRawType() == MessageQueue.class
                    && p.getActualTypeArguments()[0] instanceof Class<?> payload) {
                messageQueues.add(new StorageBean(bean, payload, p, Set.copyOf(bean.getQualifiers())));
            }
        }
    }

    void addWorker(WorkerModel worker) {
        workers.put(worker.bean(), worker);
    }

    /** Reports every worker name that two or more beans share. */
    void checkNames(Consumer<ConfigurationException> problems) {
        Map<String, List<WorkerBean>> byName = workers.keySet().stream()
                .collect(Collectors.groupingBy(WorkerBean::name, LinkedHashMap::new, Collectors.toList()));
        byName.forEach((name, same) -> {
            if (same.size() > 1) {
                problems.accept(new ConfigurationException("Two or more worker beans are named '" + name
                        + "': " + same.stream().map(w -> w.beanClass().getName()).collect(Collectors.joining(", "))
                        + "; give each a unique @JobWorker(name = ...)"));
            }
        });
    }

    /**
     * Gives each worker whose configuration names a destination of a message queue module's kind that module's
     * factory, and tells {@code configured} of it.
     */
    void configureQueues(ApiaryConfig config, Consumer<WorkerBean> configured) {
        for (MessageQueueFactory factory : ServiceLoader.load(MessageQueueFactory.class,
                FoundBeans.class.getClassLoader())) {
            queueFactories.add(factory);
        }
        for (WorkerBean worker : List.copyOf(workers.keySet())) {
            for (MessageQueueFactory factory : queueFactories) {
                if (config.raw(worker.destinationKey(factory.kind())).isPresent()) {
                    workers.put(worker, workers.get(worker).withQueueFactory(factory));
                    configured.accept(worker);
                }
            }
        }
    }

    /**
     * Checks every worker and schedule against the configuration and the beans, reporting each problem to
     * {@code problems}, and returns what the runtime beans look up; {@code buildCompatible} when the build-compatible
     * extension asks.
     */
    RuntimeDirectory validate(StorageDirectory references, BeanManager bm, boolean buildCompatible,
                              Consumer<ConfigurationException> problems) {
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        MonitorSettings monitorSettings = MonitorSettings.read(config);
        TelemetrySettings telemetrySettings = TelemetrySettings.read(config);
        DeploymentValidation validation = new DeploymentValidation(config, monitorSettings, storages, messageQueues,
                queueFactories, namedBeans, bm, buildCompatible);
        for (WorkerBean worker : List.copyOf(workers.keySet())) {
            workers.put(worker, validation.worker(workers.get(worker), problems));
        }
        List<RecurringBean> schedules = validation.schedules(workers.values());
        config.problems().forEach(problems);
        return new RuntimeDirectory(references, workers, storages, messageQueues, schedules, monitorSettings,
                telemetrySettings, buildCompatible);
    }
}
