package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.cdi.CatchFailure;
import dev.apiary.cdi.ConcurrencyLimit;
import dev.apiary.cdi.RateLimit;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.cdi.Traced;
import dev.apiary.impl.config.Durations;
import dev.apiary.impl.config.LayerSettings;
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
     * The strategy an annotation stands for, with a worker's configured values in place of the annotation's.
     *
     * @param maxAttempts a configured override of {@code @Retry(maxAttempts)}
     * @param layers      configured overrides of the other values
     * @param timed       the scheduler that interrupts a {@code @Timeout} attempt at its deadline
     * @throws ConfigurationException naming the annotation member or key, and the value at fault
     */
    static Layer strategy(Annotation binding, OptionalInt maxAttempts, LayerSettings layers,
            ScheduledExecutorService timed) {
        if (binding instanceof Traced) {
            return new TracingStrategy();
        } else if (binding instanceof CatchFailure) {
            return new CatchFailureStrategy();
        } else if (binding instanceof Retry r) {
            return new RetryStrategy(retryPolicy(r, maxAttempts, layers));
        } else if (binding instanceof Timeout t) {
            Value v = value(layers, LayerSettings.TIMEOUT, "@Timeout(value)", t.value());
            return new TimeoutStrategy(positive(v.name, v.text), timed);
        } else if (binding instanceof RateLimit r) {
            Value p = value(layers, LayerSettings.RATE_LIMIT_PERIOD, "@RateLimit(period)", r.period());
            Duration period = positive(p.name, p.text);
            Value n = value(layers, LayerSettings.RATE_LIMIT_PERMITS, "@RateLimit(permits)",
                    String.valueOf(r.permits()));
            return new RateLimitStrategy(atLeastOne(n), period);
        } else if (binding instanceof ConcurrencyLimit c) {
            return new ConcurrencyLimitStrategy(atLeastOne(value(layers, LayerSettings.CONCURRENCY_LIMIT,
                    "@ConcurrencyLimit(value)", String.valueOf(c.value()))));
        }
        throw new IllegalArgumentException("Not an Apiary layer annotation: " + binding);
    }

    static Layer strategy(Annotation binding, OptionalInt maxAttempts, ScheduledExecutorService timed) {
        return strategy(binding, maxAttempts, LayerSettings.NONE, timed);
    }

    static RetryPolicy retryPolicy(Retry r, OptionalInt maxAttempts) {
        return retryPolicy(r, maxAttempts, LayerSettings.NONE);
    }

    static RetryPolicy retryPolicy(Retry r, OptionalInt maxAttempts, LayerSettings layers) {
        Value i = value(layers, LayerSettings.RETRY_INITIAL_DELAY, "@Retry(initialDelay)", r.initialDelay());
        Value m = value(layers, LayerSettings.RETRY_MAX_DELAY, "@Retry(maxDelay)", r.maxDelay());
        Duration initial = duration(i.name, i.text);
        Duration max = duration(m.name, m.text);
        double multiplier = decimal(value(layers, LayerSettings.RETRY_MULTIPLIER, "@Retry(multiplier)",
                String.valueOf(r.multiplier())));
        double jitter = decimal(value(layers, LayerSettings.RETRY_JITTER, "@Retry(jitter)",
                String.valueOf(r.jitter())));
        try {
            return new RetryPolicy(maxAttempts.orElse(r.maxAttempts()), initial, max, multiplier, jitter);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("@Retry" + (layers.values().isEmpty() ? "" : " with "
                    + layers.prefix() + "retry.*") + ": " + e.getMessage());
        }
    }

    /** A value and where it came from: a configuration key, else the annotation member. */
    private record Value(String name, String text) {
    }

    private static Value value(LayerSettings layers, String suffix, String member, String annotated) {
        return layers.get(suffix).map(v -> new Value(layers.key(suffix), v)).orElse(new Value(member, annotated));
    }

    private static int atLeastOne(Value v) {
        try {
            int n = Integer.parseInt(v.text.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        // an annotation member reads as it is written: @RateLimit(permits = 0)
        String shown = v.name.startsWith("@") ? v.name.replace(")", " = " + v.text + ")").replace("(value = ", "(")
                : v.name + " = " + v.text;
        throw new ConfigurationException(shown + ": must be " + (v.name.startsWith("@") ? "" : "a whole number of ")
                + "at least 1");
    }

    private static double decimal(Value v) {
        try {
            return Double.parseDouble(v.text.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(v.name + " = " + v.text + ": must be a number", e);
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
