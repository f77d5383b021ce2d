package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.TelemetrySettings;
import dev.apiary.spi.DefaultStorageFactory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.context.ApplicationScoped;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.MessageQueueFactory;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.AfterTypeDiscovery;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessBean;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.enterprise.inject.spi.WithAnnotations;

import java.lang.annotation.Annotation;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Apiary's portable extension: adds the runtime beans (monitor, executors, interceptors, the {@code JobContext}
 * producer, and the health checks when MicroProfile Health is present), finds {@code @JobWorker} beans and
 * {@code JobStorage<T>} beans, adds an injectable {@code JobQueue<T>} for every storage, and fails the deployment
 * with a message naming the bean or key when a worker or a configuration value is wrong. It reads each worker bean
 * with {@link WorkerBeanReader}, adds the queue and storage beans with {@link JobQueueBeans}, checks the deployment
 * with {@link DeploymentValidation}, and hands what it found to the runtime as the {@link RuntimeDirectory} bean.
 */
public class ApiaryExtension implements Extension {

    private static final String HEALTH_API = "org.eclipse.microprofile.health.HealthCheck";
    private static final List<String> HEALTH_CHECKS = List.of("dev.apiary.impl.health.WorkerReadinessCheck",
            "dev.apiary.impl.health.WorkerLivenessCheck");

    private final Set<String> scannedHealthChecks = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Every {@code @JobWorker} bean in discovery order, with what is known of it so far: each phase replaces its
     * model by one that knows more.
     */
    private final Map<WorkerBean, WorkerModel> workers = new LinkedHashMap<>();
    private final List<StorageBean> storages = new ArrayList<>();
    /** {@code MessageQueue<T>} beans. */
    private final List<StorageBean> messageQueues = new ArrayList<>();
    private final List<MessageQueueFactory> queueFactories = new ArrayList<>();
    /** Beans with a name: the candidates for a schedule's payload. */
    private final List<Bean<?>> namedBeans = new ArrayList<>();
    /** One reference per storage and message queue bean; made after bean discovery. */
    private StorageDirectory references;
    /** What the runtime beans look up; made once the deployment is validated. */
    private RuntimeDirectory runtime;
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
                ConcurrencyLimitInterceptor.class, DirectoryStorages.class, DirectoryFlows.class)) {
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
                WorkerBeanReader.read(managed, annotation).ifPresent(w -> workers.put(w.bean(), w));
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

    void addQueuesAndCheckNames(@Observes AfterBeanDiscovery abd, BeanManager bm) {
        references = new StorageDirectory(bm);
        addRuntimeDirectory(abd);
        Map<String, List<WorkerBean>> byName = workers.keySet().stream()
                .collect(Collectors.groupingBy(WorkerBean::name, LinkedHashMap::new, Collectors.toList()));
        byName.forEach((name, same) -> {
            if (same.size() > 1) {
                abd.addDefinitionError(new ConfigurationException("Two or more worker beans are named '" + name
                        + "': " + same.stream().map(w -> w.beanClass().getName()).collect(Collectors.joining(", "))
                        + "; give each a unique @JobWorker(name = ...)"));
            }
        });
        JobQueueBeans beans = new JobQueueBeans(abd, references, storages);
        for (StorageBean storage : storages) {
            beans.forStorage(storage);
        }
        for (StorageBean queue : messageQueues) {
            beans.forMessageQueue(queue);
        }
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        for (MessageQueueFactory factory : ServiceLoader.load(MessageQueueFactory.class,
                ApiaryExtension.class.getClassLoader())) {
            queueFactories.add(factory);
        }
        for (WorkerBean worker : List.copyOf(workers.keySet())) {
            for (MessageQueueFactory factory : queueFactories) {
                if (config.raw(worker.destinationKey(factory.kind())).isPresent()) {
                    workers.put(worker, workers.get(worker).withQueueFactory(factory));
                    String queue = worker.queue().isBlank() ? worker.name() : worker.queue();
                    beans.forConfiguredQueue(worker.payloadType(), Set.of(Queue.Literal.of(queue)),
                            instance -> configuredQueue(worker, instance));
                }
            }
        }
        if (defaultStorageFactory != null) {
            addDefaultStorages(beans);
        }
    }

    /**
     * A JPA (or other module's) storage for every worker whose queue has no storage bean: one synthetic
     * {@code JobStorage<T>} bean with the worker's qualifier, built by the storage module's factory, and its
     * {@code JobQueue<T>}.
     */
    private void addDefaultStorages(JobQueueBeans beans) {
        Set<String> added = new LinkedHashSet<>();
        for (WorkerModel model : workers.values()) {
            WorkerBean worker = model.bean();
            Annotation qualifier = worker.qualifier();
            // a worker on a message queue (a bean, or one its configuration names) needs no storage
            boolean produced = model.hasConfiguredQueue()
                    || Stream.concat(storages.stream(), messageQueues.stream()).anyMatch(s ->
                            s.payloadType() == worker.payloadType() && s.qualifiers().contains(qualifier));
            if (produced || !added.add(worker.payloadType().getName() + " " + qualifier)) {
                continue;
            }
            String queue = worker.queue().isBlank() ? worker.name() : worker.queue();
            beans.defaultStorage(defaultStorageFactory, worker.payloadType(), queue, qualifier);
        }
    }

    /**
     * The {@link RuntimeDirectory} as a bean of its own, for the runtime beans; the same instance for every
     * injection, made when the deployment was validated.
     */
    private void addRuntimeDirectory(AfterBeanDiscovery abd) {
        abd.<RuntimeDirectory>addBean()
                .beanClass(RuntimeDirectory.class)
                .types(RuntimeDirectory.class, Object.class)
                .scope(Dependent.class)
                .createWith(cc -> runtime);
    }

    /** The queue a worker's configuration names, made once, its consumers on the container's executor. */
    private MessageQueue<?> configuredQueue(WorkerBean worker, Instance<Object> beans) {
        // from the beans CDI hands the JobQueue's producer, not CDI.current(): Payara cannot tell which bean
        // archive's manager that means when this extension's jar is in several (WELD-001327)
        return runtime.configuredQueue(worker, () -> beans.select(ContainerExecutors.class).get().jobs());
    }

    void validate(@Observes AfterDeploymentValidation adv, BeanManager bm) {
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        MonitorSettings monitorSettings = MonitorSettings.read(config);
        TelemetrySettings telemetrySettings = TelemetrySettings.read(config);
        DeploymentValidation validation = new DeploymentValidation(config, monitorSettings, storages, messageQueues,
                queueFactories, namedBeans, bm);
        for (WorkerBean worker : List.copyOf(workers.keySet())) {
            workers.put(worker, validation.worker(workers.get(worker), adv::addDeploymentProblem));
        }
        List<RecurringBean> schedules = validation.schedules(workers.values());
        config.problems().forEach(adv::addDeploymentProblem);
        runtime = new RuntimeDirectory(references, workers, storages, messageQueues, schedules, monitorSettings,
                telemetrySettings);
    }

    /** What the runtime beans look up, once the deployment is validated; also injectable as a bean. */
    public RuntimeDirectory runtime() {
        return runtime;
    }
}
