package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.cdi.Retry;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.MessageQueueFactory;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.AmbiguousResolutionException;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.AnnotatedType;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessBean;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.enterprise.inject.spi.WithAnnotations;
import jakarta.inject.Named;

import java.beans.Introspector;
import java.lang.annotation.Annotation;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Apiary's portable extension: adds the runtime beans (monitor, executors, interceptors, the {@code JobContext}
 * producer, and the health checks when MicroProfile Health is present), finds {@code @JobWorker} beans and
 * {@code JobStorage<T>} beans, adds an injectable {@code JobQueue<T>} for every storage, and fails the deployment
 * with a message naming the bean or key when a worker or a configuration value is wrong.
 */
public class ApiaryExtension implements Extension {

    private static final String HEALTH_API = "org.eclipse.microprofile.health.HealthCheck";
    private static final List<String> HEALTH_CHECKS = List.of("dev.apiary.impl.health.WorkerReadinessCheck",
            "dev.apiary.impl.health.WorkerLivenessCheck");

    private final List<WorkerBean> workers = new ArrayList<>();
    private final List<StorageBean> storages = new ArrayList<>();
    private final Map<WorkerBean, StorageBean> storageOfWorker = new HashMap<>();
    /** {@code MessageQueue<T>} beans, and the one each worker without a storage consumes. */
    private final List<StorageBean> messageQueues = new ArrayList<>();
    private final Map<WorkerBean, StorageBean> messageQueueOfWorker = new HashMap<>();
    /** Workers whose queue comes from configuration ({@code apiary.workers.<name>.jms.destination}), by factory. */
    private final Map<WorkerBean, MessageQueueFactory> configuredQueueOfWorker = new HashMap<>();
    private final Map<WorkerBean, MessageQueue<?>> configuredQueues = new ConcurrentHashMap<>();
    private final List<MessageQueueFactory> queueFactories = new ArrayList<>();
    private final Map<WorkerBean, WorkerSettings> settings = new HashMap<>();
    private final Map<Class<?>, WorkerBean> workerByClass = new HashMap<>();
    private MonitorSettings monitorSettings;
    private StorageDirectory directory;

    void addRuntimeBeans(@Observes BeforeBeanDiscovery bbd, BeanManager bm) {
        // added here rather than discovered, so that the impl jar needs no scanning (its beans.xml says "none")
        for (Class<?> type : List.of(ContainerMonitor.class, ContainerExecutors.class, LayerStrategies.class,
                CurrentJob.class, JobScopeInterceptor.class, TracingInterceptor.class, CatchFailureInterceptor.class,
                RetryInterceptor.class, TimeoutInterceptor.class, RateLimitInterceptor.class,
                ConcurrencyLimitInterceptor.class)) {
            add(bbd, bm, type);
        }
        // only by name: on a server without MicroProfile Health the check classes must never be loaded
        if (isPresent(HEALTH_API)) {
            for (String name : HEALTH_CHECKS) {
                try {
                    add(bbd, bm, Class.forName(name, true, ApiaryExtension.class.getClassLoader()));
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException("The Apiary runtime jar lacks " + name, e);
                }
            }
        }
    }

    private static void add(BeforeBeanDiscovery bbd, BeanManager bm, Class<?> type) {
        bbd.addAnnotatedType(bm.createAnnotatedType(type), ApiaryExtension.class.getName() + "#" + type.getName());
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, ApiaryExtension.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    <T> void bindJobScope(@Observes @WithAnnotations(JobWorker.class) ProcessAnnotatedType<T> pat) {
        if (pat.getAnnotatedType().isAnnotationPresent(JobWorker.class)) {
            pat.configureAnnotatedType().add(JobScope.Literal.INSTANCE);
        }
    }

    <T> void collect(@Observes ProcessBean<T> event) {
        Bean<T> bean = event.getBean();
        if (event instanceof ProcessManagedBean<T> managed) {
            JobWorker annotation = managed.getAnnotatedBeanClass().getAnnotation(JobWorker.class);
            if (annotation != null) {
                collectWorker(managed, annotation);
            }
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

    private <T> void collectWorker(ProcessManagedBean<T> event, JobWorker annotation) {
        Bean<T> bean = event.getBean();
        Class<?> beanClass = bean.getBeanClass();
        AnnotatedType<T> type = event.getAnnotatedBeanClass();
        String prefix = "Worker bean " + beanClass.getName() + ": ";
        List<String> problems = new ArrayList<>();

        Type payload = ParameterizedTypes.argumentOf(bean.getTypes(), JobHandler.class).orElse(null);
        if (payload == null) {
            problems.add("is annotated @JobWorker but does not implement JobHandler<T>; implement JobHandler<Payload>");
        } else if (payload == JobHandler.class) {
            problems.add("implements the raw type JobHandler, so it has no payload type; declare it, e.g. implements"
                    + " JobHandler<Email>");
        } else if (!(payload instanceof Class<?>)) {
            problems.add("its payload type " + payload.getTypeName() + " is not a class; implement JobHandler<C> with"
                    + " C a class, the payload type of its storage");
        }
        if (annotation.concurrency() < 1) {
            problems.add("@JobWorker(concurrency = " + annotation.concurrency() + "): must be at least 1");
        }
        if (annotation.instances() < 1) {
            problems.add("@JobWorker(instances = " + annotation.instances() + "): must be at least 1");
        }
        for (Annotation binding : layerBindings(type)) {
            try {
                LayerBindings.strategy(binding, OptionalInt.empty(), null);
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> event.addDefinitionError(new ConfigurationException(prefix + p)));
            return;
        }
        String name = !annotation.name().isBlank() ? annotation.name()
                : !annotation.queue().isBlank() ? annotation.queue()
                : Introspector.decapitalize(beanClass.getSimpleName());
        boolean hasRetry = layerBindings(type).stream().anyMatch(Retry.class::isInstance);
        WorkerBean worker = new WorkerBean(bean, beanClass, (Class<?>) payload,
                ParameterizedTypes.of(JobHandler.class, payload), name, annotation.queue(), annotation.concurrency(),
                annotation.instances(), hasRetry);
        workers.add(worker);
        workerByClass.put(beanClass, worker);
    }

    /** The layer annotations on a worker's class and on its methods. */
    private static List<Annotation> layerBindings(AnnotatedType<?> type) {
        List<Annotation> found = new ArrayList<>();
        for (Class<? extends Annotation> binding : LayerBindings.TYPES) {
            found.addAll(type.getAnnotations(binding));
            for (AnnotatedMethod<?> method : type.getMethods()) {
                found.addAll(method.getAnnotations(binding));
            }
        }
        return found;
    }

    void addQueuesAndCheckNames(@Observes AfterBeanDiscovery abd, BeanManager bm) {
        directory = new StorageDirectory(bm);
        Map<String, List<WorkerBean>> byName = workers.stream()
                .collect(Collectors.groupingBy(WorkerBean::name, LinkedHashMap::new, Collectors.toList()));
        byName.forEach((name, same) -> {
            if (same.size() > 1) {
                abd.addDefinitionError(new ConfigurationException("Two or more worker beans are named '" + name
                        + "': " + same.stream().map(w -> w.beanClass().getName()).collect(Collectors.joining(", "))
                        + "; give each a unique @JobWorker(name = ...)"));
            }
        });
        for (StorageBean storage : storages) {
            addQueue(abd, storage);
        }
        for (StorageBean queue : messageQueues) {
            addMessageQueueJobQueue(abd, queue.payloadType(), withoutNamed(queue.qualifiers()),
                    "bean " + queue.bean().getBeanClass().getSimpleName(),
                    () -> directory.messageQueue(queue));
        }
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        for (MessageQueueFactory factory : ServiceLoader.load(MessageQueueFactory.class,
                ApiaryExtension.class.getClassLoader())) {
            queueFactories.add(factory);
        }
        for (WorkerBean worker : workers) {
            for (MessageQueueFactory factory : queueFactories) {
                if (config.raw(destinationKey(worker, factory.kind())).isPresent()) {
                    configuredQueueOfWorker.put(worker, factory);
                    String queue = worker.queue().isBlank() ? worker.name() : worker.queue();
                    addMessageQueueJobQueue(abd, worker.payloadType(), Set.of(Queue.Literal.of(queue)),
                            "worker " + worker.name(), () -> configuredQueue(worker, bm));
                }
            }
        }
    }

    private static String destinationKey(WorkerBean worker, String kind) {
        return WorkerSettings.prefix(worker.name()) + kind + ".destination";
    }

    private static Set<Annotation> withoutNamed(Set<Annotation> qualifiers) {
        Set<Annotation> result = new LinkedHashSet<>(qualifiers);
        // a second bean with the source's @Named name would make the name ambiguous
        result.removeIf(Named.class::isInstance);
        return result;
    }

    private <T> void addMessageQueueJobQueue(AfterBeanDiscovery abd, Class<?> payloadType, Set<Annotation> qualifiers,
                                             String name, Supplier<MessageQueue<?>> queue) {
        abd.<MessageQueueJobQueue<T>>addBean()
                .beanClass(MessageQueueJobQueue.class)
                .types(ParameterizedTypes.of(JobQueue.class, payloadType), Object.class)
                .qualifiers(qualifiers)
                .scope(Dependent.class)
                .createWith(cc -> {
                    @SuppressWarnings("unchecked")
                    Supplier<MessageQueue<T>> typed = () -> (MessageQueue<T>) queue.get();
                    return new MessageQueueJobQueue<>(typed.get().queue(), typed);
                });
    }

    /** The queue a worker's configuration names, made once, its consumers on the container's executor. */
    private MessageQueue<?> configuredQueue(WorkerBean worker, BeanManager bm) {
        return configuredQueues.computeIfAbsent(worker, w -> {
            Bean<?> bean = bm.resolve(bm.getBeans(ContainerExecutors.class));
            ContainerExecutors executors = (ContainerExecutors) bm.getReference(bean, ContainerExecutors.class,
                    bm.createCreationalContext(bean));
            return configuredQueue(w, executors.jobs());
        });
    }

    private MessageQueue<?> configuredQueue(WorkerBean worker, Executor executor) {
        return configuredQueues.computeIfAbsent(worker, w -> {
            MessageQueueFactory factory = configuredQueueOfWorker.get(w);
            ApiaryConfig config = ApiaryConfig.fromEnvironment();
            String prefix = WorkerSettings.prefix(w.name()) + factory.kind() + ".";
            return factory.create(w.name(), w.payloadType(), key -> config.raw(prefix + key), executor);
        });
    }

    private <T> void addQueue(AfterBeanDiscovery abd, StorageBean storage) {
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
                    JobStorage<T> target = (JobStorage<T>) directory.storage(storage);
                    return new StorageQueue<>(target);
                });
    }

    void validate(@Observes AfterDeploymentValidation adv, BeanManager bm) {
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        monitorSettings = MonitorSettings.read(config);
        for (WorkerBean worker : workers) {
            for (String kind : List.of("jms")) {
                if (config.raw(destinationKey(worker, kind)).isPresent()
                        && queueFactories.stream().noneMatch(f -> f.kind().equals(kind))) {
                    config.problem(destinationKey(worker, kind) + " is set, but no message queue of kind '" + kind
                            + "' is on the class path; add dev.apiary:apiary-" + kind + " to the application");
                }
            }
            if (!configuredQueueOfWorker.containsKey(worker)) {
                resolveStorage(worker, bm).ifPresent(problem -> adv.addDeploymentProblem(problem));
            }
            WorkerSettings s = WorkerSettings.read(config, worker.name(), worker.concurrency(), worker.instances());
            settings.put(worker, s);
            String prefix = WorkerSettings.prefix(worker.name());
            if (s.maxAttempts().isPresent() && !worker.hasRetry()) {
                config.problem(prefix + "max-attempts is set, but " + worker.describe() + " has no @Retry, so nothing"
                        + " retries its jobs; add @Retry to the bean or remove the key");
            }
            if (s.enabled() && monitorSettings.maxTickAge().compareTo(s.maxPollInterval()) <= 0) {
                config.problem(MonitorSettings.MAX_TICK_AGE + " (" + monitorSettings.maxTickAge() + ") must be longer"
                        + " than " + prefix + "max-poll-interval (" + s.maxPollInterval() + "), or an idle worker"
                        + " looks dead to the liveness check");
            }
        }
        config.problems().forEach(adv::addDeploymentProblem);
    }

    private Optional<ConfigurationException> resolveStorage(WorkerBean worker, BeanManager bm) {
        Annotation qualifier = worker.queue().isBlank() ? Default.Literal.INSTANCE : Queue.Literal.of(worker.queue());
        String wanted = "JobStorage<" + worker.payloadType().getName() + "> with qualifier "
                + (worker.queue().isBlank() ? "@Default" : "@Queue(\"" + worker.queue() + "\")");
        // Resolved among the JobStorage beans this extension saw in ProcessBean, not with bm.getBeans(..): on Payara
        // (Micro 6.2025.10) the BeanManager this observer gets belongs to the extension's own archive (apiary-impl,
        // not a bean archive) and does not see the application's producers in WEB-INF/classes, so getBeans found
        // no storage and every worker failed the deployment, although ProcessBean had reported the producers.
        Set<Bean<?>> candidates = storages.stream()
                .filter(s -> s.payloadType() == worker.payloadType() && s.qualifiers().contains(qualifier))
                .map(StorageBean::bean)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        if (candidates.isEmpty()) {
            Set<Bean<?>> queues = messageQueues.stream()
                    .filter(s -> s.payloadType() == worker.payloadType() && s.qualifiers().contains(qualifier))
                    .map(StorageBean::bean)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            if (!queues.isEmpty()) {
                Bean<?> queue;
                try {
                    queue = bm.resolve(queues);
                } catch (AmbiguousResolutionException e) {
                    return Optional.of(new ConfigurationException("Apiary " + worker.describe() + " has more than one"
                            + " message queue: " + queues.size() + " beans of type MessageQueue<"
                            + worker.payloadType().getName() + ">"
                            + "; qualify them with @Queue(...) and set @JobWorker(queue = ...)"));
                }
                messageQueues.stream().filter(s -> s.bean().equals(queue)).findFirst()
                        .ifPresent(s -> messageQueueOfWorker.put(worker, s));
                return Optional.empty();
            }
            return Optional.of(new ConfigurationException("Apiary " + worker.describe()
                    + " has no source for its queue: there is no bean of type " + wanted + " (nor MessageQueue<"
                    + worker.payloadType().getName() + ">), and " + WorkerSettings.prefix(worker.name())
                    + "jms.destination is not set; produce one, e.g."
                    + " @Produces @ApplicationScoped" + (worker.queue().isBlank() ? "" : " @Queue(\"" + worker.queue()
                    + "\")") + " JobStorage<" + worker.payloadType().getSimpleName() + "> ...()"));
        }
        Bean<?> resolved;
        try {
            resolved = bm.resolve(candidates);
        } catch (AmbiguousResolutionException e) {
            return Optional.of(new ConfigurationException("Apiary " + worker.describe()
                    + " has more than one storage: " + candidates.size() + " beans of type " + wanted
                    + "; qualify them with @Queue(...) and set @JobWorker(queue = ...)"));
        }
        storages.stream().filter(s -> s.bean().equals(resolved)).findFirst()
                .ifPresent(s -> storageOfWorker.put(worker, s));
        return Optional.empty();
    }

    /** Every {@code @JobWorker} bean, in discovery order. */
    public List<WorkerBean> workers() {
        return List.copyOf(workers);
    }

    /** Every {@code JobStorage<T>} bean. */
    public List<StorageBean> storages() {
        return List.copyOf(storages);
    }

    /** A worker's settings after configuration. */
    public WorkerSettings settings(WorkerBean worker) {
        return settings.get(worker);
    }

    /**
     * Where a worker takes its jobs from: the queue its configuration names, else its storage, else its message queue
     * bean; {@code executor} is where a configured queue's consumers wait.
     */
    public JobSource<?> sourceOf(WorkerBean worker, Executor executor) {
        if (configuredQueueOfWorker.containsKey(worker)) {
            return configuredQueue(worker, executor).asSource();
        }
        StorageBean storage = storageOfWorker.get(worker);
        if (storage != null) {
            return directory.storage(storage);
        }
        return directory.messageQueue(messageQueueOfWorker.get(worker)).asSource();
    }

    /** Every message queue workers consume, by bean or by configuration, made on first use. */
    public List<MessageQueue<?>> messageQueues(Executor executor) {
        List<MessageQueue<?>> result = new ArrayList<>();
        for (StorageBean queue : messageQueues) {
            result.add(directory.messageQueue(queue));
        }
        for (WorkerBean worker : configuredQueueOfWorker.keySet()) {
            result.add(configuredQueue(worker, executor));
        }
        return result;
    }

    /** Closes the queues made from configuration (their connections). */
    public void closeConfiguredQueues() {
        for (MessageQueue<?> queue : configuredQueues.values()) {
            if (queue instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    java.util.logging.Logger.getLogger(ApiaryExtension.class.getName()).log(
                            java.util.logging.Level.WARNING, "Closing message queue " + queue.queue() + " failed", e);
                }
            }
        }
        configuredQueues.clear();
    }

    /** One reference per storage bean. */
    public StorageDirectory directory() {
        return directory;
    }

    /** The monitor-wide settings, read when the deployment was validated. */
    public MonitorSettings monitorSettings() {
        return monitorSettings;
    }

    /**
     * The configured {@code max-attempts} of the worker whose bean class is {@code type} or a superclass of it (the
     * container's subclass of a bean class is what interceptors see).
     */
    OptionalInt maxAttemptsOverride(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            WorkerBean worker = workerByClass.get(c);
            if (worker != null) {
                WorkerSettings s = settings.get(worker);
                return s == null ? OptionalInt.empty() : s.maxAttempts();
            }
        }
        return OptionalInt.empty();
    }
}
