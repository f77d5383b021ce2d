package dev.apiary.impl.cdi;

import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.spi.MessageQueue;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One reference per storage bean for the application's lifetime, shared by its workers, its {@code JobQueue}s and
 * the health checks: even a {@code @Dependent} storage producer then yields one queue, not one per injection point.
 */
public final class StorageDirectory {

    private final BeanManager beanManager;
    private final Map<Bean<?>, JobStorage<?>> references = new ConcurrentHashMap<>();
    private final Map<Bean<?>, MessageQueue<?>> queues = new ConcurrentHashMap<>();

    StorageDirectory(BeanManager beanManager) {
        this.beanManager = beanManager;
    }

    /** The storage behind {@code storage}, created on first use. */
    public JobStorage<?> storage(StorageBean storage) {
        return references.computeIfAbsent(storage.bean(), bean -> (JobStorage<?>) beanManager.getReference(bean,
                storage.storageType(), beanManager.createCreationalContext(bean)));
    }

    /**
     * The storage object itself behind {@code storage}, not a client proxy: the storage that stores a flow writes the
     * jobs of the other steps' storages, so it must recognise them as storages of its own kind, which a proxy of the
     * {@code JobStorage} interface hides. The same object the proxy of {@link #storage} delegates to.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public JobStorage<?> instance(StorageBean storage) {
        Bean bean = storage.bean();
        if (!beanManager.isNormalScope(bean.getScope())) {
            return storage(storage);
        }
        return (JobStorage<?>) beanManager.getContext(bean.getScope()).get(bean,
                beanManager.createCreationalContext(bean));
    }

    /** The application's monitor (the {@link ContainerMonitor}'s), which times waits for job results. */
    public Monitor monitor() {
        Bean<?> bean = beanManager.resolve(beanManager.getBeans(Monitor.class));
        return (Monitor) beanManager.getReference(bean, Monitor.class, beanManager.createCreationalContext(bean));
    }

    /** The message queue behind a {@code MessageQueue<T>} bean, created on first use. */
    public MessageQueue<?> messageQueue(StorageBean queue) {
        return queues.computeIfAbsent(queue.bean(), bean -> (MessageQueue<?>) beanManager.getReference(bean,
                queue.storageType(), beanManager.createCreationalContext(bean)));
    }
}
