package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.cdi.LayerPriorities;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.control.RequestContextController;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/**
 * Makes each job a unit of work on the thread that runs the handler: activates the request context (so
 * {@code @RequestScoped} beans live for one job) and sets the current {@link JobContext}. It sits inside
 * {@code @Timeout}, which may have moved the call to another thread.
 */
@JobScope
@Interceptor
@Priority(LayerPriorities.JOB_SCOPE)
public class JobScopeInterceptor {

    @Inject
    Instance<RequestContextController> controllers;

    @AroundInvoke
    public Object aroundJob(InvocationContext ctx) throws Exception {
        Job<?> job = JobInvocation.job(ctx);
        if (job == null) {
            return ctx.proceed();
        }
        JobContext previous = CurrentJob.enter(job.context());
        // one controller per call: a controller remembers whether it activated the context
        RequestContextController controller = controllers.get();
        boolean activated = controller.activate();
        try {
            return JobInvocation.proceed(ctx);
        } finally {
            if (activated) {
                controller.deactivate();
            }
            controllers.destroy(controller);
            CurrentJob.leave(previous);
        }
    }
}
