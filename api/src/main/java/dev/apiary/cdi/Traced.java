package dev.apiary.cdi;

import jakarta.interceptor.InterceptorBinding;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Logs each job of a worker bean under the logger {@code dev.apiary.jobs}: start and success at FINE, other
 * outcomes at INFO, exceptions at WARNING, with id, queue, attempt, duration and trace id; like
 * {@code Layers.tracing}. Spans and metrics are recorded for every job, with or without it.
 * Runs at {@link LayerPriorities#TRACING}, outermost.
 */
@InterceptorBinding
@Inherited
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Traced {
}
