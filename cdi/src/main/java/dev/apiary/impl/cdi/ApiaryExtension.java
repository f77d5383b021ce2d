package dev.apiary.impl.cdi;

import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.spi.DefaultStorageFactory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.context.ApplicationScoped;
import dev.apiary.spi.MessageQueue;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.AfterTypeDiscovery;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.ProcessBean;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.enterprise.inject.spi.WithAnnotations;

import java.lang.annotation.Annotation;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Apiary's portable extension: adds the runtime beans (monitor, executors, interceptors, the {@code JobContext}
 * producer, and the health checks when MicroProfile Health is present), finds {@code @JobWorker} beans and
 * {@code JobStorage<T>} beans, adds an injectable {@code JobQueue<T>} for every storage, and fails the deployment
 * with a message naming the bean or key when a worker or a configuration value is wrong. It reads each worker bean
 * with {@link WorkerBeanReader}, adds the queue and storage beans with {@link JobQueueBeans}, checks the deployment
 * with {@link DeploymentValidation}, and hands what it found to the runtime as the {@link RuntimeDirectory} bean.
 *
 * <p>Where only CDI Lite runs (Quarkus), {@link ApiaryBuildExtension} does this work instead, over the same model
 * ({@link FoundBeans}). This one stays for CDI Full: it reads each worker and storage as a {@code Bean} while the
 * container deploys, so a wrong worker or key fails the deployment itself (a build-compatible extension sees
 * {@code Bean}s only once the application runs), and it adds the default storages, which need the server's JNDI;
 * moving the servers to the build-compatible extension would lose both and gain nothing they lack.
 */
public class ApiaryExtension implements Extension {

    private static final String HEALTH_API = "org.eclipse.microprofile.health.HealthCheck";
    private static final List<String> HEALTH_CHECKS = List.of("dev.apiary.impl.health.WorkerReadinessCheck",
            "dev.apiary.impl.health.WorkerLivenessCheck");

    /** The runtime's own beans: monitor, executors, interceptors; both extensions add them. */
    static final List<Class<?>> RUNTIME_BEANS = List.of(ContainerMonitor.class, ContainerExecutors.class,
            LayerStrategies.class, CurrentJob.class, JobScopeInterceptor.class, TracingInterceptor.class,
            CatchFailureInterceptor.class, RetryInterceptor.class, TimeoutInterceptor.class, RateLimitInterceptor.class,
            ConcurrencyLimitInterceptor.class, DirectoryStorages.class, DirectoryFlows.class);

    private final Set<String> scannedHealthChecks = ConcurrentHashMap.newKeySet();
    private final FoundBeans found = new FoundBeans();
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
        for (Class<?> type : RUNTIME_BEANS) {
            add(bbd, bm, type);
        }
        if (!factoryGiven) {
            defaultStorageFactory = findDefaultStorageFactory();
        }
        if (defaultStorageFactory != null) {
            // application-scoped here, not by an annotation: a container that scans the storage jar as an implicit
            // bean archive would otherwise find the class a second time
            bbd.addAnnotatedType(defaultStorageFactory, ApiaryExtension.class.getName() + "#"
                    + defaultStorageFactory.getName()).add(ApplicationScoped.Literal.INSTANCE);
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
        if (event instanceof ProcessManagedBean<T> managed) {
            JobWorker annotation = managed.getAnnotatedBeanClass().getAnnotation(JobWorker.class);
            if (annotation != null) {
                WorkerBeanReader.read(managed, annotation).ifPresent(found::addWorker);
            }
        }
        found.add(event.getBean());
    }

    void addQueuesAndCheckNames(@Observes AfterBeanDiscovery abd, BeanManager bm) {
        references = new StorageDirectory(bm);
        addRuntimeDirectory(abd);
        found.checkNames(abd::addDefinitionError);
        JobQueueBeans beans = new JobQueueBeans(abd, references, found.storages);
        for (StorageBean storage : found.storages) {
            beans.forStorage(storage);
        }
        for (StorageBean queue : found.messageQueues) {
            beans.forMessageQueue(queue);
        }
        found.configureQueues(ApiaryConfig.fromEnvironment(), worker -> {
            String queue = worker.queue().isBlank() ? worker.name() : worker.queue();
            beans.forConfiguredQueue(worker.payloadType(), Set.of(Queue.Literal.of(queue)),
                    instance -> configuredQueue(worker, instance));
        });
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
        for (WorkerModel model : found.workers.values()) {
            WorkerBean worker = model.bean();
            Annotation qualifier = worker.qualifier();
            // a worker on a message queue (a bean, or one its configuration names) needs no storage
            boolean produced = model.hasConfiguredQueue()
                    || Stream.concat(found.storages.stream(), found.messageQueues.stream()).anyMatch(s ->
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
        runtime = found.validate(references, bm, false, adv::addDeploymentProblem);
    }

    /** What the runtime beans look up, once the deployment is validated; also injectable as a bean. */
    public RuntimeDirectory runtime() {
        return runtime;
    }
}
