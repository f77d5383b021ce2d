package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.JobHandler;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Retry;
import dev.apiary.impl.config.Durations;
import dev.apiary.impl.config.WorkerSettings;
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.AnnotatedType;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.ProcessManagedBean;

import java.beans.Introspector;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Reads a {@code @JobWorker} bean as the container reports it: its payload type, its annotation's values and its
 * layer annotations, each checked, into the first {@link WorkerModel} of the worker.
 */
final class WorkerBeanReader {

    private WorkerBeanReader() {
    }

    /**
     * The worker of {@code event}'s bean, or empty when the bean or its annotation is wrong: then every problem is a
     * definition error of the bean, naming it.
     */
    static <T> Optional<WorkerModel> read(ProcessManagedBean<T> event, JobWorker annotation) {
        return read(event.getBean(), annotation, layerBindings(event.getAnnotatedBeanClass()),
                event::addDefinitionError);
    }

    /**
     * The worker of {@code bean}, whose class carries {@code annotation} and {@code bindings} (its layer
     * annotations), or empty when the bean or its annotation is wrong: then every problem, naming the bean, goes to
     * {@code problems}.
     */
    static Optional<WorkerModel> read(Bean<?> bean, JobWorker annotation, List<Annotation> bindings,
                                      Consumer<? super ConfigurationException> problems) {
        Class<?> beanClass = bean.getBeanClass();
        String prefix = "Worker bean " + beanClass.getName() + ": ";
        List<String> found = new ArrayList<>();

        Type payload = ParameterizedTypes.argumentOf(bean.getTypes(), JobHandler.class).orElse(null);
        if (payload == null) {
            found.add("is annotated @JobWorker but does not implement JobHandler<T>; implement JobHandler<Payload>");
        } else if (payload == JobHandler.class) {
            found.add("implements the raw type JobHandler, so it has no payload type; declare it, e.g. implements"
                    + " JobHandler<Email>");
        } else if (!(payload instanceof Class<?>)) {
            found.add("its payload type " + payload.getTypeName() + " is not a class; implement JobHandler<C> with"
                    + " C a class, the payload type of its storage");
        }
        if (annotation.concurrency() < 1) {
            found.add("@JobWorker(concurrency = " + annotation.concurrency() + "): must be at least 1");
        }
        if (annotation.instances() < 1) {
            found.add("@JobWorker(instances = " + annotation.instances() + "): must be at least 1");
        }
        if (annotation.prefetch() < -1) {
            found.add("@JobWorker(prefetch = " + annotation.prefetch() + "): must be 0 or more, or -1 (the"
                    + " default) to let the claim size follow the backlog");
        }
        Duration pollInterval = annotatedDuration("pollInterval", annotation.pollInterval(),
                WorkerSettings.DEFAULT_POLL_INTERVAL, false, found);
        Duration maxPollInterval = annotatedDuration("maxPollInterval", annotation.maxPollInterval(),
                WorkerSettings.DEFAULT_MAX_POLL_INTERVAL, false, found);
        Duration heartbeatInterval = annotatedDuration("heartbeatInterval", annotation.heartbeatInterval(),
                WorkerSettings.DEFAULT_HEARTBEAT_INTERVAL, false, found);
        Duration lease = annotatedDuration("lease", annotation.lease(), WorkerSettings.DEFAULT_LEASE, true,
                found);
        for (Annotation binding : bindings) {
            try {
                LayerBindings.strategy(binding, OptionalInt.empty(), null);
            } catch (ConfigurationException e) {
                found.add(e.getMessage());
            }
        }
        if (!found.isEmpty()) {
            found.forEach(p -> problems.accept(new ConfigurationException(prefix + p)));
            return Optional.empty();
        }
        String name = !annotation.name().isBlank() ? annotation.name()
                : !annotation.queue().isBlank() ? annotation.queue()
                : Introspector.decapitalize(beanClass.getSimpleName());
        boolean hasRetry = bindings.stream().anyMatch(Retry.class::isInstance);
        WorkerSettings annotated = new WorkerSettings(name, true, annotation.concurrency(), annotation.instances(),
                annotation.prefetch() < 0 ? OptionalInt.empty() : OptionalInt.of(annotation.prefetch()),
                pollInterval, maxPollInterval, heartbeatInterval, lease, OptionalInt.empty());
        WorkerBean worker = new WorkerBean(bean, beanClass, (Class<?>) payload,
                ParameterizedTypes.of(JobHandler.class, payload), name, annotation.queue(), annotated, hasRetry);
        return Optional.of(WorkerModel.found(worker, bindings));
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

    /**
     * The layer annotations on a worker's class and on its public methods, read from the class itself: where the
     * container reports no annotated type (a build-compatible extension's beans at run time).
     */
    static List<Annotation> layerBindings(Class<?> beanClass) {
        List<Annotation> found = new ArrayList<>();
        for (Class<? extends Annotation> binding : LayerBindings.TYPES) {
            found.addAll(List.of(beanClass.getAnnotationsByType(binding)));
            for (Method method : beanClass.getMethods()) {
                if (method.getDeclaringClass() != Object.class) {
                    found.addAll(List.of(method.getAnnotationsByType(binding)));
                }
            }
        }
        return found;
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
}
