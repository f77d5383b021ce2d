package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.LayerSettings;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.TelemetrySettings;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the deployment found, for the beans that run it: every worker with its source and settings, the storages, the
 * message queues and the schedules, and the monitor-wide settings. The extension builds it once it has validated the
 * deployment and adds it as a bean of its own; only the message queues that configuration names change afterwards
 * (made on first use, closed at stop).
 */
public final class RuntimeDirectory {

    /** The category the runtime's warnings have always had. */
    private static final Logger LOG = Logger.getLogger(ApiaryExtension.class.getName());

    private final StorageDirectory references;
    private final Map<WorkerBean, WorkerModel> workers;
    private final Map<Class<?>, WorkerModel> workerByClass = new HashMap<>();
    private final List<StorageBean> storages;
    private final List<StorageBean> messageQueues;
    private final List<RecurringBean> schedules;
    private final MonitorSettings monitorSettings;
    private final TelemetrySettings telemetrySettings;
    private final boolean buildCompatible;
    /** The queues configuration names, made on first use (by a worker or a {@code JobQueue}), closed at stop. */
    private final Map<WorkerBean, MessageQueue<?>> configuredQueues = new ConcurrentHashMap<>();

    RuntimeDirectory(StorageDirectory references, Map<WorkerBean, WorkerModel> workers, List<StorageBean> storages,
                     List<StorageBean> messageQueues, List<RecurringBean> schedules, MonitorSettings monitorSettings,
                     TelemetrySettings telemetrySettings, boolean buildCompatible) {
        this.buildCompatible = buildCompatible;
        this.references = references;
        this.workers = Collections.unmodifiableMap(new LinkedHashMap<>(workers));
        this.storages = List.copyOf(storages);
        this.messageQueues = List.copyOf(messageQueues);
        this.schedules = List.copyOf(schedules);
        this.monitorSettings = monitorSettings;
        this.telemetrySettings = telemetrySettings;
        for (WorkerModel worker : workers.values()) {
            workerByClass.put(worker.bean().beanClass(), worker);
        }
    }

    /** Every {@code @JobWorker} bean, in discovery order, with its source and settings. */
    public List<WorkerModel> workers() {
        return List.copyOf(workers.values());
    }

    /** Every {@code JobStorage<T>} bean. */
    public List<StorageBean> storages() {
        return storages;
    }

    /** Every {@code MessageQueue<T>} bean. */
    List<StorageBean> messageQueueBeans() {
        return messageQueues;
    }

    /**
     * Whether the build-compatible extension made this directory: the container runs no portable extension (CDI
     * Lite), so it has no Jakarta Concurrency either.
     */
    boolean buildCompatible() {
        return buildCompatible;
    }

    /** One reference per storage and message queue bean. */
    StorageDirectory references() {
        return references;
    }

    /** The storage behind {@code storage}: one reference per bean, shared by its workers, queues and checks. */
    public JobStorage<?> storage(StorageBean storage) {
        return references.storage(storage);
    }

    /** The storage object itself behind {@code storage}, for flows ({@link StorageDirectory#instance}). */
    public JobStorage<?> instance(StorageBean storage) {
        return references.instance(storage);
    }

    /** Every valid {@code @Recurring} schedule after configuration, in discovery order. */
    public List<RecurringBean> schedules() {
        return schedules;
    }

    /** The monitor-wide settings, read when the deployment was validated. */
    public MonitorSettings monitorSettings() {
        return monitorSettings;
    }

    /** The telemetry settings, read when the deployment was validated. */
    public TelemetrySettings telemetrySettings() {
        return telemetrySettings;
    }

    /** The storage a worker's jobs are kept in (recurring schedules need one); a message-queue worker has none. */
    public JobStorage<?> storageOf(WorkerModel worker) {
        if (worker.storage() == null) {
            throw new ConfigurationException("Apiary " + worker.bean().describe() + " takes its jobs from a message"
                    + " queue, which keeps no schedules; put its @Recurring schedules on a worker with a storage");
        }
        return references.storage(worker.storage());
    }

    /**
     * Where a worker takes its jobs from: the queue its configuration names, else its storage, else its message queue
     * bean; {@code executor} is where a configured queue's consumers wait.
     */
    public JobSource<?> sourceOf(WorkerModel worker, Executor executor) {
        if (worker.hasConfiguredQueue()) {
            return configuredQueue(worker.bean(), executor).asSource();
        }
        if (worker.storage() != null) {
            return references.storage(worker.storage());
        }
        return references.messageQueue(worker.messageQueue()).asSource();
    }

    /**
     * Every message queue workers consume, by bean or by configuration, made on first use; not the configured queue
     * of a disabled worker, which may name a broker this server does not have.
     */
    public List<MessageQueue<?>> messageQueues(Executor executor) {
        List<MessageQueue<?>> result = new ArrayList<>();
        for (StorageBean queue : messageQueues) {
            result.add(references.messageQueue(queue));
        }
        for (WorkerModel worker : workers.values()) {
            if (worker.hasConfiguredQueue() && (worker.settings() == null || worker.settings().enabled())) {
                result.add(configuredQueue(worker.bean(), executor));
            }
        }
        return result;
    }

    /**
     * The queue a worker's configuration names, made once; {@code executor} (where its consumers wait) is asked for
     * only when the queue is not made yet.
     */
    MessageQueue<?> configuredQueue(WorkerBean worker, Supplier<Executor> executor) {
        MessageQueue<?> made = configuredQueues.get(worker);
        if (made != null) {
            return made;
        }
        // not inside a computeIfAbsent on the same map, which the next call does (a recursive update)
        return configuredQueue(worker, executor.get());
    }

    private MessageQueue<?> configuredQueue(WorkerBean worker, Executor executor) {
        return configuredQueues.computeIfAbsent(worker, w -> {
            var factory = workers.get(w).queueFactory();
            ApiaryConfig config = ApiaryConfig.fromEnvironment();
            String prefix = WorkerSettings.prefix(w.name()) + factory.kind() + ".";
            return factory.create(w.name(), w.payloadType(), key -> config.raw(prefix + key), executor);
        });
    }

    /** Closes the queues made from configuration (their connections). */
    public void closeConfiguredQueues() {
        for (MessageQueue<?> queue : configuredQueues.values()) {
            if (queue instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "Closing message queue " + queue.queue() + " failed", e);
                }
            }
        }
        configuredQueues.clear();
    }

    /** The configured layer values of the worker whose bean class is {@code type} or a superclass of it. */
    LayerSettings layerSettings(Class<?> type) {
        WorkerModel worker = workerOf(type);
        return worker == null ? LayerSettings.NONE : worker.layers();
    }

    /**
     * The configured {@code max-attempts} of the worker whose bean class is {@code type} or a superclass of it (the
     * container's subclass of a bean class is what interceptors see).
     */
    OptionalInt maxAttemptsOverride(Class<?> type) {
        WorkerModel worker = workerOf(type);
        return worker == null || worker.settings() == null ? OptionalInt.empty() : worker.settings().maxAttempts();
    }

    private WorkerModel workerOf(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            WorkerModel worker = workerByClass.get(c);
            if (worker != null) {
                return worker;
            }
        }
        return null;
    }
}
