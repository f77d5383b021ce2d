package dev.apiary.impl.cdi;

import dev.apiary.impl.config.WorkerSettings;
import jakarta.enterprise.inject.spi.Bean;

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

    /** How messages name it: {@code worker 'email' (com.example.EmailWorker)}. */
    public String describe() {
        return "worker '" + name + "' (" + beanClass.getName() + ")";
    }
}
