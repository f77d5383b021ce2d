package dev.apiary.impl.cdi;

import dev.apiary.cdi.LayerPriorities;
import dev.apiary.cdi.Timeout;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/**
 * The door from {@link Timeout @Timeout} to its strategy class, the same one the programmatic layer runs.
 * The members are {@code @Nonbinding}: the value here only satisfies the compiler; each bean's own values are read
 * per call site by {@link LayerStrategies}.
 */
@Timeout("PT1S")
@Interceptor
@Priority(LayerPriorities.TIMEOUT)
public class TimeoutInterceptor {

    @Inject
    LayerStrategies strategies;

    @AroundInvoke
    public Object around(InvocationContext ctx) throws Exception {
        return strategies.around(ctx, Timeout.class);
    }
}
