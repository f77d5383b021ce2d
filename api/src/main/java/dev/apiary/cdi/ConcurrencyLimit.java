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
 * At most {@link #value()} jobs inside a worker bean's method at once, across all its instances, like
 * {@code Layers.concurrencyLimit}; others wait. Runs at {@link LayerPriorities#CONCURRENCY_LIMIT}.
 */
@InterceptorBinding
@Inherited
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface ConcurrencyLimit {

    /** Jobs at once, at least 1. */
    @Nonbinding
    int value();
}
