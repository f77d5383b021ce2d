package dev.apiary.impl.cdi;

import dev.apiary.JobQueue;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.spi.DefaultStorageFactory;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.inject.Named;

import java.lang.annotation.Annotation;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The beans the extension adds after bean discovery: an injectable {@code JobQueue<T>} for every storage and message
 * queue, and a default {@code JobStorage<T>} (with its {@code JobQueue<T>}) for a worker whose queue has none.
 */
final class JobQueueBeans {

    private final AfterBeanDiscovery abd;
    private final StorageDirectory references;
    /** The extension's storage beans; the default storages join it when the container reports them. */
    private final List<StorageBean> storages;

    JobQueueBeans(AfterBeanDiscovery abd, StorageDirectory references, List<StorageBean> storages) {
        this.abd = abd;
        this.references = references;
        this.storages = storages;
    }

    /** The {@code JobQueue<T>} of a {@code JobStorage<T>} bean, with its qualifiers. */
    <T> void forStorage(StorageBean storage) {
        Set<Annotation> qualifiers = new LinkedHashSet<>(storage.qualifiers());
        // a second bean with the storage's @Named name would make the name ambiguous
        qualifiers.removeIf(Named.class::isInstance);
        abd.<StorageQueue<T>>addBean()
                .beanClass(StorageQueue.class)
                .types(ParameterizedTypes.of(JobQueue.class, storage.payloadType()), Object.class)
                .qualifiers(qualifiers)
                .scope(Dependent.class)
                .createWith(cc -> {
                    @SuppressWarnings("unchecked")
                    JobStorage<T> target = (JobStorage<T>) references.storage(storage);
                    return new StorageQueue<>(target, references::monitor);
                });
    }

    /** The {@code JobQueue<T>} of a {@code MessageQueue<T>} bean, with its qualifiers. */
    void forMessageQueue(StorageBean queue) {
        Set<Annotation> qualifiers = new LinkedHashSet<>(queue.qualifiers());
        // a second bean with the source's @Named name would make the name ambiguous
        qualifiers.removeIf(Named.class::isInstance);
        forConfiguredQueue(queue.payloadType(), qualifiers, beans -> references.messageQueue(queue));
    }

    /** A {@code JobQueue<T>} onto the message queue {@code queue} gives, asked for at the first push. */
    <T> void forConfiguredQueue(Class<?> payloadType, Set<Annotation> qualifiers,
                                Function<Instance<Object>, MessageQueue<?>> queue) {
        abd.<MessageQueueJobQueue<T>>addBean()
                .beanClass(MessageQueueJobQueue.class)
                .types(ParameterizedTypes.of(JobQueue.class, payloadType), Object.class)
                .qualifiers(qualifiers)
                .scope(Dependent.class)
                .produceWith(beans -> {
                    // the queue is made at the first push, not here: injecting the JobQueue of a disabled worker,
                    // whose broker this server may not have, must not fail
                    @SuppressWarnings("unchecked")
                    Supplier<MessageQueue<T>> typed = () -> (MessageQueue<T>) queue.apply(beans);
                    return new MessageQueueJobQueue<>(typed);
                });
    }

    /**
     * A {@code JobStorage<T>} bean with {@code qualifier}, built by the storage module's factory (a bean of
     * {@code factoryClass}), and its {@code JobQueue<T>}.
     */
    <T> void defaultStorage(Class<?> factoryClass, Class<T> payloadType, String queue, Annotation qualifier) {
        Set<Annotation> qualifiers = Set.of(qualifier, Any.Literal.INSTANCE);
        AtomicReference<DefaultStorageFactory> factory = new AtomicReference<>();
        abd.<JobStorage<T>>addBean()
                .beanClass(factoryClass)
                .types(ParameterizedTypes.of(JobStorage.class, payloadType), Object.class)
                .qualifiers(qualifiers)
                .scope(ApplicationScoped.class)
                .produceWith(beans -> {
                    // not CDI.current(): Payara cannot tell which bean archive's manager that means when this
                    // extension's jar is in several; kept for destroyWith, when lookups may no longer answer
                    factory.set(beans.select(DefaultStorageFactory.class).get());
                    return factory.get().create(queue, payloadType, ApiaryConfig.fromEnvironment()::raw);
                })
                .destroyWith((storage, cc) -> factory.get().destroy(storage));
        abd.<StorageQueue<T>>addBean()
                .beanClass(StorageQueue.class)
                .types(ParameterizedTypes.of(JobQueue.class, payloadType), Object.class)
                .qualifiers(qualifiers)
                .scope(Dependent.class)
                .createWith(cc -> {
                    StorageBean storage = storages.stream().filter(s -> s.payloadType() == payloadType
                            && s.qualifiers().contains(qualifier)).findFirst().orElseThrow();
                    @SuppressWarnings("unchecked")
                    JobStorage<T> target = (JobStorage<T>) references.storage(storage);
                    return new StorageQueue<>(target, references::monitor);
                });
    }
}
