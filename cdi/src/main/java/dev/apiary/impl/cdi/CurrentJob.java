package dev.apiary.impl.cdi;

import dev.apiary.JobContext;
import dev.apiary.JobProgress;
import dev.apiary.impl.progress.ProgressTracker;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;

/**
 * The job that runs on the current thread, and the producer that makes its {@link JobContext} injectable. Set by
 * the worker around creating and calling a worker bean, and again by the job-scope interceptor on the thread the
 * handler actually runs on (a {@code @Timeout} moves it to another thread).
 */
@Dependent
public class CurrentJob {

    private static final ThreadLocal<JobContext> CURRENT = new ThreadLocal<>();

    /** Makes {@code context} current and returns the one it replaces, for {@link #leave}. */
    static JobContext enter(JobContext context) {
        JobContext previous = CURRENT.get();
        CURRENT.set(context);
        return previous;
    }

    /** Restores what {@link #enter} replaced; removes the value rather than leaving {@code null} on pooled threads. */
    static void leave(JobContext previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    /**
     * The context of the job being handled. {@code @Dependent}: injected when the injecting bean is created, which
     * for a {@code @Dependent} worker bean (the default) is once per job.
     *
     * @throws IllegalStateException outside a job
     */
    @Produces
    @Dependent
    static JobContext jobContext() {
        JobContext context = CURRENT.get();
        if (context == null) {
            throw new IllegalStateException("No job runs on this thread: JobContext can be injected only into beans"
                    + " created while a job runs (a @Dependent worker bean, the default, and the @Dependent beans it"
                    + " injects); in an @ApplicationScoped bean inject Instance<JobContext> and call get() during the"
                    + " job, or use job.context()");
        }
        return context;
    }

    /**
     * The progress reporter of the job being handled on the calling thread, looked up at each report, so that it
     * may be injected into a bean of any scope; a report made outside a job is dropped.
     */
    @Produces
    @Dependent
    static JobProgress jobProgress() {
        return (percent, message) -> ProgressTracker.of(CURRENT.get()).report(percent, message);
    }
}
