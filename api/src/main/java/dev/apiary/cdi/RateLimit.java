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
 * At most {@link #permits()} jobs of a worker bean start per {@link #period()} (a token bucket shared by all its
 * instances; jobs that find it empty wait their turn), like {@code Layers.rateLimit}. Runs at
 * {@link LayerPriorities#RATE_LIMIT}.
 *
 * <p>Durations are ISO-8601 ({@code "PT30S"}) or a number with a unit: {@code ms}, {@code s}, {@code m}, {@code h},
 * {@code d} ({@code "30s"}); a bad value fails the deployment with a message naming the bean and the member.
 */
@InterceptorBinding
@Inherited
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RateLimit {

    /** Job starts per period, at least 1. */
    @Nonbinding
    int permits();

    /** The period (default 1 s). */
    @Nonbinding
    String period() default "PT1S";
}
