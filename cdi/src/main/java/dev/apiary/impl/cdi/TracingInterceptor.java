package dev.apiary.impl.cdi;

import dev.apiary.cdi.LayerPriorities;
import dev.apiary.cdi.Traced;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/** The door from {@link Traced @Traced} to its strategy class, the same one the programmatic layer runs. */
@Traced
@Interceptor
@Priority(LayerPriorities.TRACING)
public class TracingInterceptor {

    @Inject
    LayerStrategies strategies;

    @AroundInvoke
    public Object around(InvocationContext ctx) throws Exception {
        return strategies.around(ctx, Traced.class);
    }
}
