package dev.apiary.cdi;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Fails an attempt of a worker bean that runs longer than {@link #value()} with a retryable
 * {@code JobTimeoutException}, like {@code Layers.timeout}. The rest of the chain runs on a thread of the container's
 * managed executor, interrupted and abandoned at the deadline, so the worker's slot is free at once. Runs at
 * {@link LayerPriorities#TIMEOUT}.
 *
 * <p>Durations are ISO-8601 ({@code "PT30S"}) or a number with a unit: {@code ms}, {@code s}, {@code m}, {@code h},
 * {@code d} ({@code "30s"}); a bad value fails the deployment with a message naming the bean and the member.
 */
@InterceptorBinding
@Inherited
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Timeout {

    /** The longest an attempt may run, e.g. {@code "PT30S"} or {@code "30s"}. */
    @Nonbinding
    String value();
}
