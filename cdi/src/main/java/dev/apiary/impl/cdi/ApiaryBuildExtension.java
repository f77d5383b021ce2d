package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.JobQueue;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.build.compatible.spi.BeanInfo;
import jakarta.enterprise.inject.build.compatible.spi.BuildCompatibleExtension;
import jakarta.enterprise.inject.build.compatible.spi.ClassConfig;
import jakarta.enterprise.inject.build.compatible.spi.Discovery;
import jakarta.enterprise.inject.build.compatible.spi.Enhancement;
import jakarta.enterprise.inject.build.compatible.spi.MethodConfig;
import jakarta.enterprise.inject.build.compatible.spi.Parameters;
import jakarta.enterprise.inject.build.compatible.spi.Registration;
import jakarta.enterprise.inject.build.compatible.spi.ScannedClasses;
import jakarta.enterprise.inject.build.compatible.spi.SkipIfPortableExtensionPresent;
import jakarta.enterprise.inject.build.compatible.spi.SyntheticBeanCreator;
import jakarta.enterprise.inject.build.compatible.spi.SyntheticComponents;
import jakarta.enterprise.inject.build.compatible.spi.Synthesis;
import jakarta.enterprise.inject.build.compatible.spi.Types;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.lang.model.AnnotationInfo;
import jakarta.enterprise.lang.model.declarations.ClassInfo;
import jakarta.enterprise.lang.model.types.Type;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Apiary's build-compatible extension, for containers that implement CDI Lite and run no portable extension
 * (Quarkus's ArC). Where a portable extension runs (Weld: the Jakarta EE servers, Helidon MP, Weld SE),
 * {@link ApiaryExtension} does the same work and this one is skipped.
 *
 * <p>A build-compatible extension sees classes and beans at build time and can hand its synthetic beans only plain
 * parameters (class names, annotations), so the work is split: at build time this extension binds the job scope to
 * {@code @JobWorker} classes, keeps the worker and storage beans from being removed as unused, and adds a
 * {@code JobQueue<T>} bean for every {@code JobStorage<T>} and {@code MessageQueue<T>} bean and the
 * {@link RuntimeDirectory} bean; at start, that directory reads the same beans from the bean manager and runs the
 * same checks as the portable extension, so a wrong worker or key fails the start (not the build) with the same
 * message. Not here: default storages (on these runtimes the application produces its storage, given the
 * runtime's own JTA registry) and message queues that configuration alone names.
 */
@SkipIfPortableExtensionPresent(ApiaryExtension.class)
public class ApiaryBuildExtension implements BuildCompatibleExtension {

    /** Quarkus's annotation that keeps a bean nothing injects; null where there is none. */
    private static final Class<? extends Annotation> UNREMOVABLE = unremovable();
    private static final String PAYLOAD = "payload";
    private static final String QUALIFIERS = "qualifiers";

    private final List<Source> sources = new ArrayList<>();

    /** A {@code JobStorage<T>} or {@code MessageQueue<T>} bean found at build time. */
    private record Source(ClassInfo payload, List<AnnotationInfo> qualifiers, boolean storage) {
    }

    @Discovery
    public void discovery(ScannedClasses scan) {
        // the runtime beans, should the container honour the exclusions of this jar's beans.xml; and the API's
        // stereotype, qualifier and layer bindings, which a container that indexes only bean archives (the API jar
        // is none) would not know as such
        for (Class<?> type : ApiaryExtension.RUNTIME_BEANS) {
            scan.add(type.getName());
        }
        scan.add(JobWorker.class.getName());
        scan.add(Queue.class.getName());
        for (Class<? extends Annotation> binding : LayerBindings.TYPES) {
            scan.add(binding.getName());
        }
    }

    @Enhancement(types = Object.class, withSubtypes = true, withAnnotations = JobWorker.class)
    public void bindJobScope(ClassConfig type) {
        if (type.info().hasAnnotation(JobWorker.class)) {
            type.addAnnotation(JobScope.Literal.INSTANCE);
            keep(type);
        }
    }

    /** Storage and message queue classes, which only Apiary looks up. */
    @Enhancement(types = {JobStorage.class, MessageQueue.class}, withSubtypes = true)
    public void keepSources(ClassConfig type) {
        keep(type);
    }

    /** Producers of storages and message queues, which only Apiary looks up. */
    @Enhancement(types = Object.class, withSubtypes = true, withAnnotations = jakarta.enterprise.inject.Produces.class)
    public void keepSourceProducers(ClassConfig type) {
        for (MethodConfig method : type.methods()) {
            if (UNREMOVABLE != null && method.info().hasAnnotation(jakarta.enterprise.inject.Produces.class)
                    && isSource(rawName(method.info().returnType()))) {
                method.addAnnotation(UNREMOVABLE);
            }
        }
    }

    private static void keep(ClassConfig type) {
        if (UNREMOVABLE != null) {
            type.addAnnotation(UNREMOVABLE);
        }
    }

    /** The class a type names, without its type arguments; empty for a type variable, an array or a primitive. */
    private static String rawName(Type type) {
        return type.isParameterizedType() ? type.asParameterizedType().genericClass().declaration().name()
                : type.isClass() ? type.asClass().declaration().name() : "";
    }

    private static boolean isSource(String rawName) {
        return rawName.equals(JobStorage.class.getName()) || rawName.equals(MessageQueue.class.getName());
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends Annotation> unremovable() {
        try {
            return (Class<? extends Annotation>) Class.forName("io.quarkus.arc.Unremovable", false,
                    ApiaryBuildExtension.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    @Registration(types = Object.class)
    public void collect(BeanInfo bean) {
        for (Type type : bean.types()) {
            String raw = rawName(type);
            if (type.isParameterizedType() && isSource(raw)) {
                Type argument = type.asParameterizedType().typeArguments().get(0);
                if (argument.isClass()) {
                    sources.add(new Source(argument.asClass().declaration(), List.copyOf(bean.qualifiers()),
                            raw.equals(JobStorage.class.getName())));
                }
            }
        }
    }

    @Synthesis
    public void synthesis(SyntheticComponents components, Types types) {
        components.addBean(RuntimeDirectory.class)
                .type(RuntimeDirectory.class)
                .scope(Singleton.class)
                .createWith(DirectoryCreator.class);
        for (Source source : sources) {
            var bean = components.addBean(JobQueue.class)
                    .type(types.parameterized(JobQueue.class, types.ofClass(source.payload())))
                    .scope(Dependent.class)
                    .withParam(PAYLOAD, source.payload())
                    .withParam(QUALIFIERS, source.qualifiers().toArray(new AnnotationInfo[0]))
                    .createWith(source.storage() ? StorageQueueCreator.class : MessageQueueCreator.class);
            for (AnnotationInfo qualifier : source.qualifiers()) {
                // a second bean with the source's @Named name would make the name ambiguous
                if (!qualifier.name().equals(Named.class.getName())) {
                    bean.qualifier(qualifier);
                }
            }
        }
    }

    /**
     * Reads the deployment's workers, storages and message queues from the bean manager and checks them as the
     * portable extension does at deployment; every problem at once, in one exception that fails the start.
     */
    public static final class DirectoryCreator implements SyntheticBeanCreator<RuntimeDirectory> {

        @Override
        public RuntimeDirectory create(Instance<Object> lookup, Parameters params) {
            BeanManager bm = lookup.select(BeanManager.class).get();
            FoundBeans found = new FoundBeans();
            List<ConfigurationException> problems = new ArrayList<>();
            for (Bean<?> bean : bm.getBeans(Object.class, Any.Literal.INSTANCE)) {
                Class<?> beanClass = bean.getBeanClass();
                JobWorker annotation = beanClass.getAnnotation(JobWorker.class);
                // a class bean has its class among its types; a producer declared in a worker class does not
                if (annotation != null && bean.getTypes().contains(beanClass)) {
                    WorkerBeanReader.read(bean, annotation, WorkerBeanReader.layerBindings(beanClass), problems::add)
                            .ifPresent(found::addWorker);
                }
                found.add(bean);
            }
            found.checkNames(problems::add);
            found.configureQueues(ApiaryConfig.fromEnvironment(), worker -> { });
            RuntimeDirectory directory = found.validate(new StorageDirectory(bm), bm, true, problems::add);
            if (!problems.isEmpty()) {
                throw new DeploymentException("Apiary cannot start: " + problems.stream()
                        .map(Throwable::getMessage).collect(Collectors.joining("; ")));
            }
            return directory;
        }
    }

    /** The {@code JobQueue<T>} of a {@code JobStorage<T>} bean. */
    @SuppressWarnings("rawtypes")
    public static final class StorageQueueCreator implements SyntheticBeanCreator<JobQueue> {

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public JobQueue create(Instance<Object> lookup, Parameters params) {
            RuntimeDirectory directory = lookup.select(RuntimeDirectory.class).get();
            StorageBean storage = find(directory.storages(), params);
            StorageDirectory references = directory.references();
            return new StorageQueue<>((JobStorage) references.storage(storage), references::monitor);
        }
    }

    /** The {@code JobQueue<T>} of a {@code MessageQueue<T>} bean, whose queue is made at the first push. */
    @SuppressWarnings("rawtypes")
    public static final class MessageQueueCreator implements SyntheticBeanCreator<JobQueue> {

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public JobQueue create(Instance<Object> lookup, Parameters params) {
            RuntimeDirectory directory = lookup.select(RuntimeDirectory.class).get();
            StorageBean queue = find(directory.messageQueueBeans(), params);
            return new MessageQueueJobQueue(() -> directory.references().messageQueue(queue));
        }
    }

    /** The source of {@code params}'s payload type whose qualifiers include all of {@code params}'s. */
    private static StorageBean find(List<StorageBean> sources, Parameters params) {
        Class<?> payload = params.get(PAYLOAD, Class.class);
        Set<Annotation> qualifiers = Arrays.stream(params.get(QUALIFIERS, Annotation[].class))
                .collect(Collectors.toSet());
        return sources.stream().filter(s -> s.payloadType() == payload && s.qualifiers().containsAll(qualifiers))
                .findFirst().orElseThrow(() -> new IllegalStateException(
                "No bean of " + payload.getName() + " with qualifiers " + qualifiers + " among " + sources));
    }
}
