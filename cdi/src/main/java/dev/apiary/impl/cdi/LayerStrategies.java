package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.layer.Layer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.interceptor.InvocationContext;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The strategy instances behind the layer interceptors, one per bean class, method and annotation, built on first
 * use. They live here rather than in the interceptors because interceptor instances belong to bean instances: a
 * rate limit or a concurrency limit must be shared by every instance of a {@code @Dependent} worker bean.
 */
@ApplicationScoped
public class LayerStrategies {

    @Inject
    RuntimeDirectory directory;

    @Inject
    ContainerExecutors executors;

    private final Map<Key, Layer> layers = new ConcurrentHashMap<>();

    /** Runs an intercepted {@code handle(Job)} call through the strategy of {@code binding}. */
    public Object around(InvocationContext ctx, Class<? extends Annotation> binding) throws Exception {
        Job<?> job = JobInvocation.job(ctx);
        if (job == null) {
            return ctx.proceed();
        }
        // the target's class is the container's subclass of the bean class, one per bean
        Layer layer = layers.computeIfAbsent(new Key(ctx.getTarget().getClass(), ctx.getMethod(), binding),
                key -> create(ctx, binding));
        return layer.apply(job, () -> JobInvocation.proceed(ctx));
    }

    private Layer create(InvocationContext ctx, Class<? extends Annotation> binding) {
        OptionalInt maxAttempts = directory.maxAttemptsOverride(ctx.getTarget().getClass());
        return LayerBindings.strategy(LayerBindings.find(ctx, binding), maxAttempts,
                directory.layerSettings(ctx.getTarget().getClass()), executors.timed());
    }

    private record Key(Class<?> target, Method method, Class<?> binding) {
    }
}
