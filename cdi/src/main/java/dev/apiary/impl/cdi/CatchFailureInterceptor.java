package dev.apiary.impl.cdi;

import dev.apiary.cdi.LayerPriorities;
import dev.apiary.cdi.CatchFailure;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/** The door from {@link CatchFailure @CatchFailure} to its strategy class, the same one the programmatic layer runs. */
@CatchFailure
@Interceptor
@Priority(LayerPriorities.CATCH_FAILURE)
public class CatchFailureInterceptor {

    @Inject
    LayerStrategies strategies;

    @AroundInvoke
    public Object around(InvocationContext ctx) throws Exception {
        return strategies.around(ctx, CatchFailure.class);
    }
}
