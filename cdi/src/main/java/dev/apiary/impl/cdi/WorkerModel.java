package dev.apiary.impl.cdi;

import dev.apiary.impl.config.LayerSettings;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.spi.MessageQueueFactory;

import java.lang.annotation.Annotation;
import java.util.List;

/**
 * Everything the extension knows of one {@code @JobWorker} bean. The extension fills it phase by phase, each time
 * with a new record: the layer bindings when it finds the bean, the message queue its configuration names after bean
 * discovery, its source and settings when it validates the deployment; the {@link RuntimeDirectory} holds the last.
 *
 * @param bean         the bean as found
 * @param bindings     its layer annotations, on the class and on its methods
 * @param queueFactory the factory of the message queue its configuration names
 *                     ({@code apiary.workers.<name>.<kind>.destination}), or {@code null}
 * @param storage      the {@code JobStorage<T>} bean its jobs are kept in, or {@code null}
 * @param messageQueue the {@code MessageQueue<T>} bean it consumes when it has no storage, or {@code null}
 * @param settings     its settings after configuration, {@code null} until the deployment is validated
 * @param layers       its configured layer values
 */
public record WorkerModel(WorkerBean bean, List<Annotation> bindings, MessageQueueFactory queueFactory,
                          StorageBean storage, StorageBean messageQueue, WorkerSettings settings,
                          LayerSettings layers) {

    /** A worker bean just found, with its layer bindings. */
    static WorkerModel found(WorkerBean bean, List<Annotation> bindings) {
        return new WorkerModel(bean, List.copyOf(bindings), null, null, null, null, LayerSettings.NONE);
    }

    /** Whether its configuration names the message queue it consumes. */
    public boolean hasConfiguredQueue() {
        return queueFactory != null;
    }

    WorkerModel withQueueFactory(MessageQueueFactory factory) {
        return new WorkerModel(bean, bindings, factory, storage, messageQueue, settings, layers);
    }

    WorkerModel withStorage(StorageBean resolved) {
        return new WorkerModel(bean, bindings, queueFactory, resolved, messageQueue, settings, layers);
    }

    WorkerModel withMessageQueue(StorageBean resolved) {
        return new WorkerModel(bean, bindings, queueFactory, storage, resolved, settings, layers);
    }

    WorkerModel withSettings(WorkerSettings read, LayerSettings readLayers) {
        return new WorkerModel(bean, bindings, queueFactory, storage, messageQueue, read, readLayers);
    }
}
