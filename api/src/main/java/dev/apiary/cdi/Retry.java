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
 * Retries a worker bean's failed attempts with exponential backoff and jitter, like {@code Layers.retry}: an
 * exception becomes a retry at the backoff instant while attempts remain and a failure after the last;
 * {@code AbortJobException} kills the job; a {@code RetryableException} with a delay overrides the backoff. The retry
 * is stored as the job's run-at, so no thread waits and it survives a restart. Runs at {@link LayerPriorities#RETRY}.
 *
 * <p>Durations are ISO-8601 ({@code "PT30S"}) or a number with a unit: {@code ms}, {@code s}, {@code m}, {@code h},
 * {@code d} ({@code "30s"}); a bad value fails the deployment with a message naming the bean and the member.
 * {@code apiary.workers.<name>.max-attempts} overrides {@link #maxAttempts()}.
 */
@InterceptorBinding
@Inherited
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Retry {

    /** Attempts in all, capped by each job's own {@code maxAttempts}; 0 (the default) uses the job's budget alone. */
    @Nonbinding
    int maxAttempts() default 0;

    /** Delay before the second attempt (default 1 s). */
    @Nonbinding
    String initialDelay() default "PT1S";

    /** Upper bound of any delay (default 10 min). */
    @Nonbinding
    String maxDelay() default "PT10M";

    /** Growth of the delay per attempt, at least 1 (default 2). */
    @Nonbinding
    double multiplier() default 2.0;

    /** Share of each delay taken off at random, 0 to 1 (default 0.2), so failing jobs do not retry in step. */
    @Nonbinding
    double jitter() default 0.2;
}
