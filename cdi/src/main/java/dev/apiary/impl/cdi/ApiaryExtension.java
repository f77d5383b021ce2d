package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.cdi.Recurring;
import dev.apiary.cdi.Retry;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.LayerSettings;
import dev.apiary.impl.config.Durations;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.ScheduleSettings;
import dev.apiary.impl.config.TelemetrySettings;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.schedule.Schedule;
import dev.apiary.spi.DefaultStorageFactory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.context.ApplicationScoped;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.MessageQueueFactory;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.AmbiguousResolutionException;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.AfterTypeDiscovery;
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
import java.time.Duration;
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
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

    private final Set<String> scannedHealthChecks = java.util.concurrent.ConcurrentHashMap.newKeySet();
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
    private final Map<WorkerBean, LayerSettings> layerSettings = new HashMap<>();
    private final Map<WorkerBean, List<Annotation>> bindingsOf = new HashMap<>();
    private final Map<Class<?>, WorkerBean> workerByClass = new HashMap<>();
    /** Beans with a name: the candidates for a schedule's payload. */
    private final List<Bean<?>> namedBeans = new ArrayList<>();
    private final List<RecurringBean> schedules = new ArrayList<>();
    private MonitorSettings monitorSettings;
    private TelemetrySettings telemetrySettings;
    private StorageDirectory directory;
    /** The storage module's factory for queues without a storage bean, if one is on the class path. */
    private Class<?> defaultStorageFactory;
    private final boolean factoryGiven;

    /** The extension as the container loads it: default storages from a storage module on the class path. */
    public ApiaryExtension() {
        this.factoryGiven = false;
    }

    /** The extension with {@code defaultStorageFactory} giving the storage of queues without one (tests). */
    public ApiaryExtension(Class<? extends DefaultStorageFactory> defaultStorageFactory) {
        this.defaultStorageFactory = defaultStorageFactory;
        this.factoryGiven = true;
    }

    void addRuntimeBeans(@Observes BeforeBeanDiscovery bbd, BeanManager bm) {
        // added here rather than discovered: beans.xml excludes their package from scanning
        for (Class<?> type : List.of(ContainerMonitor.class, ContainerExecutors.class, LayerStrategies.class,
                CurrentJob.class, JobScopeInterceptor.class, TracingInterceptor.class, CatchFailureInterceptor.class,
                RetryInterceptor.class, TimeoutInterceptor.class, RateLimitInterceptor.class,
                ConcurrencyLimitInterceptor.class, DirectoryStorages.class)) {
            add(bbd, bm, type);
        }
        if (!factoryGiven) {
            defaultStorageFactory = findDefaultStorageFactory();
        }
        if (defaultStorageFactory != null) {
            // application-scoped here, not by an annotation: a container that scans the storage jar as an implicit
            // bean archive would otherwise find the class a second time
            bbd.addAnnotatedType(defaultStorageFactory, ApiaryExtension.class.getName() + "#"
                    + defaultStorageFactory.getName()).add(jakarta.enterprise.context.ApplicationScoped.Literal.INSTANCE);
        }
    }

    private static void add(BeforeBeanDiscovery bbd, BeanManager bm, Class<?> type) {
        bbd.addAnnotatedType(bm.createAnnotatedType(type), ApiaryExtension.class.getName() + "#" + type.getName());
    }

    <T> void noteScannedHealthCheck(@Observes @WithAnnotations(ApplicationScoped.class) ProcessAnnotatedType<T> pat) {
        String name = pat.getAnnotatedType().getJavaClass().getName();
        if (HEALTH_CHECKS.contains(name)) {
            scannedHealthChecks.add(name);
        }
    }

    /**
     * Adds the health checks the container did not find by scanning this jar (Weld SE with discovery off). Only by
     * name: on a server without MicroProfile Health the check classes must never be loaded.
     */
    void addHealthChecks(@Observes AfterTypeDiscovery atd, BeanManager bm) {
        if (!isPresent(HEALTH_API)) {
            return;
        }
        for (String name : HEALTH_CHECKS) {
            if (scannedHealthChecks.contains(name)) {
                continue;
            }
            try {
                Class<?> type = Class.forName(name, true, ApiaryExtension.class.getClassLoader());
                atd.addAnnotatedType(bm.createAnnotatedType(type), ApiaryExtension.class.getName() + "#" + name);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("The Apiary runtime jar lacks " + name, e);
            }
        }
    }

    /** The first {@link DefaultStorageFactory} listed in {@code META-INF/services}, by class, not instantiated. */
    private static Class<?> findDefaultStorageFactory() {
        for (ClassLoader loader : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                ApiaryExtension.class.getClassLoader()}) {
            if (loader != null) {
                Optional<Class<?>> found = ServiceLoader.load(DefaultStorageFactory.class, loader).stream()
                        .<Class<?>>map(ServiceLoader.Provider::type).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        return null;
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
        if (annotation.prefetch() < -1) {
            problems.add("@JobWorker(prefetch = " + annotation.prefetch() + "): must be 0 or more, or -1 (the"
                    + " default) to let the claim size follow the backlog");
        }
        Duration pollInterval = annotatedDuration("pollInterval", annotation.pollInterval(),
                WorkerSettings.DEFAULT_POLL_INTERVAL, false, problems);
        Duration maxPollInterval = annotatedDuration("maxPollInterval", annotation.maxPollInterval(),
                WorkerSettings.DEFAULT_MAX_POLL_INTERVAL, false, problems);
        Duration heartbeatInterval = annotatedDuration("heartbeatInterval", annotation.heartbeatInterval(),
                WorkerSettings.DEFAULT_HEARTBEAT_INTERVAL, false, problems);
        Duration lease = annotatedDuration("lease", annotation.lease(), WorkerSettings.DEFAULT_LEASE, true,
                problems);
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
        WorkerSettings annotated = new WorkerSettings(name, true, annotation.concurrency(), annotation.instances(),
                annotation.prefetch() < 0 ? OptionalInt.empty() : OptionalInt.of(annotation.prefetch()),
                pollInterval, maxPollInterval, heartbeatInterval, lease, OptionalInt.empty());
        WorkerBean worker = new WorkerBean(bean, beanClass, (Class<?>) payload,
                ParameterizedTypes.of(JobHandler.class, payload), name, annotation.queue(), annotated, hasRetry);
        workers.add(worker);
        workerByClass.put(beanClass, worker);
        bindingsOf.put(worker, layerBindings(type));
    }

    /** A duration member of {@code @JobWorker}: empty for {@code fallback}, else parsed; a bad one is a problem. */
    private static Duration annotatedDuration(String member, String value, Duration fallback, boolean zeroAllowed,
                                              List<String> problems) {
        if (value.isBlank()) {
            return fallback;
        }
        try {
            Duration d = Durations.parse(value);
            if (!d.isNegative() && (zeroAllowed || !d.isZero())) {
                return d;
            }
        } catch (IllegalArgumentException e) {
            // reported below, with the member
        }
        problems.add("@JobWorker(" + member + " = \"" + value + "\"): expected " + (zeroAllowed ? "a duration of zero"
                + " or more" : "a positive duration") + ": ISO-8601 (PT30S) or a number with a unit (500ms, 30s, 5m)");
        return fallback;
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
                    beans -> directory.messageQueue(queue));
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
                            "worker " + worker.name(), beans -> configuredQueue(worker, beans));
                }
            }
        }
        if (defaultStorageFactory != null) {
            addDefaultStorages(abd);
        }
    }

    /**
     * A JPA (or other module's) storage for every worker whose queue has no storage bean: one synthetic
     * {@code JobStorage<T>} bean with the worker's qualifier, built by the storage module's factory, and its
     * {@code JobQueue<T>}.
     */
    private void addDefaultStorages(AfterBeanDiscovery abd) {
        Set<String> added = new LinkedHashSet<>();
        for (WorkerBean worker : workers) {
            Annotation qualifier = qualifierOf(worker);
            // a worker on a message queue (a bean, or one its configuration names) needs no storage
            boolean produced = configuredQueueOfWorker.containsKey(worker)
                    || Stream.concat(storages.stream(), messageQueues.stream()).anyMatch(s ->
                            s.payloadType() == worker.payloadType() && s.qualifiers().contains(qualifier));
            if (produced || !added.add(worker.payloadType().getName() + " " + qualifier)) {
                continue;
            }
            String queue = worker.queue().isBlank() ? worker.name() : worker.queue();
            addDefaultStorage(abd, worker.payloadType(), queue, qualifier);
        }
    }

    private <T> void addDefaultStorage(AfterBeanDiscovery abd, Class<T> payloadType, String queue,
                                       Annotation qualifier) {
        Set<Annotation> qualifiers = Set.of(qualifier, jakarta.enterprise.inject.Any.Literal.INSTANCE);
        java.util.concurrent.atomic.AtomicReference<DefaultStorageFactory> factory =
                new java.util.concurrent.atomic.AtomicReference<>();
        abd.<JobStorage<T>>addBean()
                .beanClass(defaultStorageFactory)
                .types(ParameterizedTypes.of(JobStorage.class, payloadType), Object.class)
                .qualifiers(qualifiers)
                .scope(jakarta.enterprise.context.ApplicationScoped.class)
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
                    JobStorage<T> target = (JobStorage<T>) directory.storage(storage);
                    return new StorageQueue<>(target);
                });
    }

    private static Annotation qualifierOf(WorkerBean worker) {
        return worker.queue().isBlank() ? Default.Literal.INSTANCE : Queue.Literal.of(worker.queue());
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
                                             String name,
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

    /** The queue a worker's configuration names, made once, its consumers on the container's executor. */
    private MessageQueue<?> configuredQueue(WorkerBean worker, Instance<Object> beans) {
        MessageQueue<?> made = configuredQueues.get(worker);
        if (made != null) {
            return made;
        }
        // from the beans CDI hands the JobQueue's producer, not CDI.current(): Payara cannot tell which bean
        // archive's manager that means when this extension's jar is in several (WELD-001327)
        ContainerExecutors executors = beans.select(ContainerExecutors.class).get();
        // not inside a computeIfAbsent on the same map, which the next call does (a recursive update)
        return configuredQueue(worker, executors.jobs());
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
        telemetrySettings = TelemetrySettings.read(config);
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
            WorkerSettings s = WorkerSettings.read(config, worker.annotated());
            settings.put(worker, s);
            String prefix = WorkerSettings.prefix(worker.name());
            checkLayerKeys(config, worker, s);
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
        readSchedules(config);
        config.problems().forEach(adv::addDeploymentProblem);
    }

    /** Every {@code @Recurring} on a worker bean, with its configuration and its payload's source. */
    private void readSchedules(ApiaryConfig config) {
        Map<String, String> owners = new HashMap<>();
        for (WorkerBean worker : workers) {
            for (Recurring annotation : worker.beanClass().getAnnotationsByType(Recurring.class)) {
                String other = owners.putIfAbsent(annotation.name(), worker.describe());
                if (other != null) {
                    config.problem("Two schedules are named '" + annotation.name() + "': on " + other + " and on "
                            + worker.describe() + "; give each @Recurring a unique name");
                    continue;
                }
                Optional<Schedule> schedule = ScheduleSettings.read(config, annotation, worker.describe());
                Bean<?> payload = namedBeans.stream()
                        .filter(b -> annotation.name().equals(b.getName())
                                && b.getTypes().contains(worker.payloadType()))
                        .findFirst().orElse(null);
                if (payload == null && !hasPublicNoArgConstructor(worker.payloadType())) {
                    config.problem("Apiary " + worker.describe() + ", schedule '" + annotation.name() + "': no payload"
                            + " for its jobs: there is no bean of type " + worker.payloadType().getName() + " named '"
                            + annotation.name() + "', and the type has no public no-argument constructor; produce one,"
                            + " e.g. @Produces @Named(\"" + annotation.name() + "\") "
                            + worker.payloadType().getSimpleName() + " ...()");
                    continue;
                }
                schedule.ifPresent(s -> schedules.add(new RecurringBean(worker, s, payload)));
            }
        }
    }

    /**
     * Reads the worker's layer keys, rejects one set for a layer the worker does not have, and builds each layer
     * with them so that a bad value fails the deployment.
     */
    private void checkLayerKeys(ApiaryConfig config, WorkerBean worker, WorkerSettings s) {
        LayerSettings layers = LayerSettings.read(config, worker.name());
        layerSettings.put(worker, layers);
        List<Annotation> bindings = bindingsOf.getOrDefault(worker, List.of());
        for (String suffix : layers.values().keySet()) {
            String annotation = LayerSettings.ANNOTATION_OF.get(suffix);
            if (bindings.stream().noneMatch(b -> b.annotationType().getSimpleName().equals(annotation))) {
                config.problem(layers.key(suffix) + " is set, but " + worker.describe() + " has no @" + annotation
                        + ", so the key changes nothing; add @" + annotation + " to the bean or remove the key");
            }
        }
        for (Annotation binding : bindings) {
            try {
                LayerBindings.strategy(binding, s.maxAttempts(), layers, null);
            } catch (ConfigurationException e) {
                config.problem(worker.describe() + ": " + e.getMessage());
            }
        }
    }

    private static boolean hasPublicNoArgConstructor(Class<?> type) {
        try {
            type.getConstructor();
            return !java.lang.reflect.Modifier.isAbstract(type.getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** Every valid {@code @Recurring} schedule after configuration, in discovery order. */
    public List<RecurringBean> schedules() {
        return List.copyOf(schedules);
    }

    private Optional<ConfigurationException> resolveStorage(WorkerBean worker, BeanManager bm) {
        Annotation qualifier = qualifierOf(worker);
        String wanted = "JobStorage<" + worker.payloadType().getName() + "> with qualifier "
                + (worker.queue().isBlank() ? "@Default" : "@Queue(\"" + worker.queue() + "\")");
        // Resolved among the JobStorage beans this extension saw in ProcessBean, not with bm.getBeans(..): on Payara
        // (Micro 6.2025.10) the BeanManager this observer gets belongs to the extension's own archive (the Apiary jar,
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
                    + "\")") + " JobStorage<" + worker.payloadType().getSimpleName() + "> ...(), or add"
                    + " dev.apiary:apiary-jpa-storage to the application for a default JPA storage"));
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

    /** The storage a worker's jobs are kept in (recurring schedules need one); a message-queue worker has none. */
    public JobStorage<?> storageOf(WorkerBean worker) {
        StorageBean storage = storageOfWorker.get(worker);
        if (storage == null) {
            throw new ConfigurationException("Apiary " + worker.describe() + " takes its jobs from a message queue,"
                    + " which keeps no schedules; put its @Recurring schedules on a worker with a storage");
        }
        return directory.storage(storage);
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

    /**
     * Every message queue workers consume, by bean or by configuration, made on first use; not the configured queue
     * of a disabled worker, which may name a broker this server does not have.
     */
    public List<MessageQueue<?>> messageQueues(Executor executor) {
        List<MessageQueue<?>> result = new ArrayList<>();
        for (StorageBean queue : messageQueues) {
            result.add(directory.messageQueue(queue));
        }
        for (WorkerBean worker : configuredQueueOfWorker.keySet()) {
            WorkerSettings s = settings.get(worker);
            if (s == null || s.enabled()) {
                result.add(configuredQueue(worker, executor));
            }
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
    public TelemetrySettings telemetrySettings() {
        return telemetrySettings;
    }

    public MonitorSettings monitorSettings() {
        return monitorSettings;
    }

    /** The configured layer values of the worker whose bean class is {@code type} or a superclass of it. */
    LayerSettings layerSettings(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            WorkerBean worker = workerByClass.get(c);
            if (worker != null) {
                return layerSettings.getOrDefault(worker, LayerSettings.NONE);
            }
        }
        return LayerSettings.NONE;
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
