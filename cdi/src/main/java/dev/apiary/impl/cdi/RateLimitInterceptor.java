package dev.apiary.impl.cdi;

import dev.apiary.cdi.LayerPriorities;
import dev.apiary.cdi.RateLimit;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/**
 * The door from {@link RateLimit @RateLimit} to its strategy class, the same one the programmatic layer runs.
 * The members are {@code @Nonbinding}: the value here only satisfies the compiler; each bean's own values are read
 * per call site by {@link LayerStrategies}.
 */
@RateLimit(permits = 1)
@Interceptor
@Priority(LayerPriorities.RATE_LIMIT)
public class RateLimitInterceptor {

    @Inject
    LayerStrategies strategies;

    @AroundInvoke
    public Object around(InvocationContext ctx) throws Exception {
        return strategies.around(ctx, RateLimit.class);
    }
}
