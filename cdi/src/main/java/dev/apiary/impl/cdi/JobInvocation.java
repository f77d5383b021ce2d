package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.Outcome;
import jakarta.interceptor.InvocationContext;

/** Reads an intercepted call of {@code JobHandler.handle(Job)}; other methods of a worker bean pass untouched. */
final class JobInvocation {

    private JobInvocation() {
    }

    /** The job of an intercepted {@code handle(Job)} call, or {@code null} for any other method. */
    static Job<?> job(InvocationContext ctx) {
        Object[] args = ctx.getMethod() == null ? null : ctx.getParameters();
        if (args != null && args.length == 1 && args[0] instanceof Job<?> job
                && ctx.getMethod().getName().equals("handle")) {
            return job;
        }
        return null;
    }

    /** Goes on down the chain; a handler that returns {@code null} counts as done, as in the programmatic chain. */
    static Outcome proceed(InvocationContext ctx) throws Exception {
        Object result = ctx.proceed();
        return result == null ? Outcome.done() : (Outcome) result;
    }
}
