package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.cdi.CatchFailure;
import dev.apiary.cdi.ConcurrencyLimit;
import dev.apiary.cdi.RateLimit;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.cdi.Traced;
import dev.apiary.impl.config.Durations;
import dev.apiary.impl.layer.CatchFailureStrategy;
import dev.apiary.impl.layer.ConcurrencyLimitStrategy;
import dev.apiary.impl.layer.RateLimitStrategy;
import dev.apiary.impl.layer.RetryStrategy;
import dev.apiary.impl.layer.TimeoutStrategy;
import dev.apiary.impl.layer.TracingStrategy;
import dev.apiary.layer.Layer;
import dev.apiary.layer.RetryPolicy;
import jakarta.enterprise.inject.Stereotype;
import jakarta.interceptor.InvocationContext;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Turns the layer annotations ({@code @Retry}, {@code @Timeout}, ...) into the strategy classes the programmatic
 * layers use, and finds an annotation's values for an intercepted call. Also used at deployment to reject bad values
 * before anything runs.
 */
final class LayerBindings {

    /** Weld hands interceptors the resolved bindings under this key (class, method and stereotype bindings merged). */
    private static final String WELD_BINDINGS = "org.jboss.weld.interceptor.bindings";

    static final List<Class<? extends Annotation>> TYPES = List.of(Traced.class, CatchFailure.class, Retry.class,
            Timeout.class, RateLimit.class, ConcurrencyLimit.class);

    private LayerBindings() {
    }

    /**
     * The strategy an annotation stands for.
     *
     * @param maxAttempts a configured override of {@code @Retry(maxAttempts)}
     * @param timed       the scheduler that interrupts a {@code @Timeout} attempt at its deadline
     * @throws ConfigurationException naming the annotation member and value at fault
     */
    static Layer strategy(Annotation binding, OptionalInt maxAttempts, ScheduledExecutorService timed) {
        if (binding instanceof Traced) {
            return new TracingStrategy();
        } else if (binding instanceof CatchFailure) {
            return new CatchFailureStrategy();
        } else if (binding instanceof Retry r) {
            return new RetryStrategy(retryPolicy(r, maxAttempts));
        } else if (binding instanceof Timeout t) {
            return new TimeoutStrategy(positive("@Timeout(value)", t.value()), timed);
        } else if (binding instanceof RateLimit r) {
            Duration period = positive("@RateLimit(period)", r.period());
            if (r.permits() < 1) {
                throw new ConfigurationException("@RateLimit(permits = " + r.permits() + "): must be at least 1");
            }
            return new RateLimitStrategy(r.permits(), period);
        } else if (binding instanceof ConcurrencyLimit c) {
            if (c.value() < 1) {
                throw new ConfigurationException("@ConcurrencyLimit(" + c.value() + "): must be at least 1");
            }
            return new ConcurrencyLimitStrategy(c.value());
        }
        throw new IllegalArgumentException("Not an Apiary layer annotation: " + binding);
    }

    static RetryPolicy retryPolicy(Retry r, OptionalInt maxAttempts) {
        Duration initial = duration("@Retry(initialDelay)", r.initialDelay());
        Duration max = duration("@Retry(maxDelay)", r.maxDelay());
        try {
            return new RetryPolicy(maxAttempts.orElse(r.maxAttempts()), initial, max, r.multiplier(), r.jitter());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("@Retry: " + e.getMessage());
        }
    }

    private static Duration positive(String member, String text) {
        Duration d = duration(member, text);
        if (d.isZero()) {
            throw new ConfigurationException(member + " = \"" + text + "\": must be positive");
        }
        return d;
    }

    private static Duration duration(String member, String text) {
        try {
            Duration d = Durations.parse(text);
            if (d.isNegative()) {
                throw new ConfigurationException(member + " = \"" + text + "\": must not be negative");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(member + ": " + e.getMessage());
        }
    }

    /**
     * The binding of {@code type} that applies to an intercepted call: from Weld's resolved bindings when the
     * container is Weld, else by reflection (method, then class and its superclasses, then their stereotypes).
     */
    static <A extends Annotation> A find(InvocationContext ctx, Class<A> type) {
        if (ctx.getContextData().get(WELD_BINDINGS) instanceof Set<?> bindings) {
            for (Object b : bindings) {
                if (type.isInstance(b)) {
                    return type.cast(b);
                }
            }
        }
        Method method = ctx.getMethod();
        A found = method == null ? null : method.getAnnotation(type);
        for (Class<?> c = ctx.getTarget().getClass(); found == null && c != null && c != Object.class;
             c = c.getSuperclass()) {
            found = onClass(c, type);
        }
        if (found == null) {
            throw new IllegalStateException("Cannot read @" + type.getSimpleName() + " of "
                    + ctx.getTarget().getClass().getName() + "." + (method == null ? "?" : method.getName()));
        }
        return found;
    }

    private static <A extends Annotation> A onClass(Class<?> c, Class<A> type) {
        A direct = c.getDeclaredAnnotation(type);
        if (direct != null) {
            return direct;
        }
        for (Annotation a : c.getDeclaredAnnotations()) {
            if (a.annotationType().isAnnotationPresent(Stereotype.class)) {
                A viaStereotype = a.annotationType().getAnnotation(type);
                if (viaStereotype != null) {
                    return viaStereotype;
                }
            }
        }
        return null;
    }
}
