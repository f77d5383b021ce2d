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
 * {@code JobTimeoutException}, like {@code Layers.timeout}. The time counts from the handler's start, not from when
 * the job was claimed; the handler runs on its own thread, which the container's managed scheduler interrupts at
 * the deadline (a handler that ignores interruption keeps its slot until it returns). Runs at
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
