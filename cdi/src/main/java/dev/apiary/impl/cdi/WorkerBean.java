package dev.apiary.impl.cdi;

import dev.apiary.cdi.Queue;
import dev.apiary.impl.config.WorkerSettings;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.spi.Bean;

import java.lang.annotation.Annotation;
import java.lang.reflect.Type;

/**
 * A bean annotated {@code @JobWorker}, as the extension found it.
 *
 * @param handlerType its {@code JobHandler<T>} bean type, the type its references are taken as
 * @param annotated   the settings its {@code @JobWorker} gives, before configuration
 * @param hasRetry    whether it carries {@code @Retry} (on the class or a method)
 */
public record WorkerBean(Bean<?> bean, Class<?> beanClass, Class<?> payloadType, Type handlerType, String name,
                         String queue, WorkerSettings annotated, boolean hasRetry) {

    /** The qualifier of its storage or queue: {@code @Queue(queue)}, or {@code @Default} without a queue. */
    public Annotation qualifier() {
        return queue.isBlank() ? Default.Literal.INSTANCE : Queue.Literal.of(queue);
    }

    /** The key naming its message queue of {@code kind}: {@code apiary.workers.<name>.<kind>.destination}. */
    public String destinationKey(String kind) {
        return WorkerSettings.prefix(name) + kind + ".destination";
    }

    /** How messages name it: {@code worker 'email' (com.example.EmailWorker)}. */
    public String describe() {
        return "worker '" + name + "' (" + beanClass.getName() + ")";
    }
}
