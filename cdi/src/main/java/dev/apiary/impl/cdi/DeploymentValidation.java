package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.cdi.Recurring;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.LayerSettings;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.ScheduleSettings;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.schedule.Schedule;
import dev.apiary.spi.MessageQueueFactory;
import jakarta.enterprise.inject.AmbiguousResolutionException;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The extension's checks once every bean is known: each worker's source, settings and layer keys, and its
 * {@code @Recurring} schedules. Bad values go to the configuration's problems, so that a deployment reports every
 * one at once, each naming the bean or key.
 */
final class DeploymentValidation {

    private final ApiaryConfig config;
    private final MonitorSettings monitorSettings;
    private final List<StorageBean> storages;
    private final List<StorageBean> messageQueues;
    private final List<MessageQueueFactory> queueFactories;
    private final List<Bean<?>> namedBeans;
    private final BeanManager beanManager;
    private final boolean buildCompatible;

    DeploymentValidation(ApiaryConfig config, MonitorSettings monitorSettings, List<StorageBean> storages,
                         List<StorageBean> messageQueues, List<MessageQueueFactory> queueFactories,
                         List<Bean<?>> namedBeans, BeanManager beanManager, boolean buildCompatible) {
        this.buildCompatible = buildCompatible;
        this.config = config;
        this.monitorSettings = monitorSettings;
        this.storages = storages;
        this.messageQueues = messageQueues;
        this.queueFactories = queueFactories;
        this.namedBeans = namedBeans;
        this.beanManager = beanManager;
    }

    /**
     * Checks a worker against the configuration and the beans and completes its model: its storage or message queue,
     * its settings and layer values. A worker without a source is reported to {@code deploymentProblem}; a bad key
     * is recorded in the configuration's problems.
     */
    WorkerModel worker(WorkerModel model, Consumer<ConfigurationException> deploymentProblem) {
        WorkerBean worker = model.bean();
        for (String kind : List.of("jms")) {
            if (config.raw(worker.destinationKey(kind)).isPresent()
                    && queueFactories.stream().noneMatch(f -> f.kind().equals(kind))) {
                config.problem(worker.destinationKey(kind) + " is set, but no message queue of kind '" + kind
                        + "' is on the class path; add dev.apiary:apiary-" + kind + " to the application");
            }
        }
        if (!model.hasConfiguredQueue()) {
            model = resolveStorage(model, deploymentProblem);
        }
        WorkerSettings s = WorkerSettings.read(config, worker.annotated());
        String prefix = WorkerSettings.prefix(worker.name());
        LayerSettings layers = checkLayerKeys(model, s);
        model = model.withSettings(s, layers);
        if (s.maxAttempts().isPresent() && !worker.hasRetry()) {
            config.problem(prefix + "max-attempts is set, but " + worker.describe() + " has no @Retry, so nothing"
                    + " retries its jobs; add @Retry to the bean or remove the key");
        }
        if (s.enabled() && monitorSettings.maxTickAge().compareTo(s.maxPollInterval()) <= 0) {
            config.problem(MonitorSettings.MAX_TICK_AGE + " (" + monitorSettings.maxTickAge() + ") must be longer"
                    + " than " + prefix + "max-poll-interval (" + s.maxPollInterval() + "), or an idle worker"
                    + " looks dead to the liveness check");
        }
        return model;
    }

    /** Every {@code @Recurring} on a worker bean, with its configuration and its payload's source. */
    List<RecurringBean> schedules(Collection<WorkerModel> workers) {
        List<RecurringBean> schedules = new ArrayList<>();
        Map<String, String> owners = new HashMap<>();
        for (WorkerModel model : workers) {
            WorkerBean worker = model.bean();
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
                schedule.ifPresent(s -> schedules.add(new RecurringBean(model, s, payload)));
            }
        }
        return schedules;
    }

    /**
     * Reads the worker's layer keys, rejects one set for a layer the worker does not have, and builds each layer
     * with them so that a bad value fails the deployment.
     */
    private LayerSettings checkLayerKeys(WorkerModel model, WorkerSettings s) {
        WorkerBean worker = model.bean();
        LayerSettings layers = LayerSettings.read(config, worker.name());
        List<Annotation> bindings = model.bindings();
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
        return layers;
    }

    private static boolean hasPublicNoArgConstructor(Class<?> type) {
        try {
            type.getConstructor();
            return !java.lang.reflect.Modifier.isAbstract(type.getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /**
     * The worker with the storage bean its jobs are kept in, else the message queue bean it consumes; the worker as
     * it was when there is none or more than one, which is reported to {@code problem}.
     */
    private WorkerModel resolveStorage(WorkerModel model, Consumer<ConfigurationException> problem) {
        WorkerBean worker = model.bean();
        Annotation qualifier = worker.qualifier();
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
                    queue = beanManager.resolve(queues);
                } catch (AmbiguousResolutionException e) {
                    problem.accept(new ConfigurationException("Apiary " + worker.describe() + " has more than one"
                            + " message queue: " + queues.size() + " beans of type MessageQueue<"
                            + worker.payloadType().getName() + ">"
                            + "; qualify them with @Queue(...) and set @JobWorker(queue = ...)"));
                    return model;
                }
                return messageQueues.stream().filter(s -> s.bean().equals(queue)).findFirst()
                        .map(model::withMessageQueue).orElse(model);
            }
            problem.accept(new ConfigurationException("Apiary " + worker.describe()
                    + " has no source for its queue: there is no bean of type " + wanted + " (nor MessageQueue<"
                    + worker.payloadType().getName() + ">), and " + WorkerSettings.prefix(worker.name())
                    + "jms.destination is not set; produce one, e.g."
                    + " @Produces @ApplicationScoped" + (worker.queue().isBlank() ? "" : " @Queue(\"" + worker.queue()
                    + "\")") + " JobStorage<" + worker.payloadType().getSimpleName() + "> ...()"
                    + (buildCompatible ? " (JpaJobStorage.builder(emf)...jta(registry, userTransaction).build() on"
                    + " this runtime's beans: there is no default storage without JNDI)" : ", or add"
                    + " dev.apiary:apiary-jpa-storage to the application for a default JPA storage")));
            return model;
        }
        Bean<?> resolved;
        try {
            resolved = beanManager.resolve(candidates);
        } catch (AmbiguousResolutionException e) {
            problem.accept(new ConfigurationException("Apiary " + worker.describe()
                    + " has more than one storage: " + candidates.size() + " beans of type " + wanted
                    + "; qualify them with @Queue(...) and set @JobWorker(queue = ...)"));
            return model;
        }
        return storages.stream().filter(s -> s.bean().equals(resolved)).findFirst()
                .map(model::withStorage).orElse(model);
    }
}
