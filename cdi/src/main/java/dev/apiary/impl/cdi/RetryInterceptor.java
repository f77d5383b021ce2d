package dev.apiary.impl.cdi;

import dev.apiary.cdi.LayerPriorities;
import dev.apiary.cdi.Retry;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/** The door from {@link Retry @Retry} to its strategy class, the same one the programmatic layer runs. */
@Retry
@Interceptor
@Priority(LayerPriorities.RETRY)
public class RetryInterceptor {

    @Inject
    LayerStrategies strategies;

    @AroundInvoke
    public Object around(InvocationContext ctx) throws Exception {
        return strategies.around(ctx, Retry.class);
    }
}
