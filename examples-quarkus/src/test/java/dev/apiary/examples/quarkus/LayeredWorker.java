package dev.apiary.examples.quarkus;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.CatchFailure;
import dev.apiary.cdi.ConcurrencyLimit;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.LayerPriorities;
import dev.apiary.cdi.RateLimit;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.cdi.Traced;
import jakarta.annotation.Priority;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InterceptorBinding;
import jakarta.interceptor.InvocationContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A worker with every layer annotation and an interceptor of the application's own between retry and timeout, to
 * see on Quarkus the order the layers guide documents. Each attempt records, per job and attempt, the Apiary
 * interceptors that enclose the handler and the user's interceptor on their thread, outermost first; the first
 * attempt fails, to be retried.
 */
@JobWorker(queue = "layered")
@Traced
@CatchFailure
@Retry(maxAttempts = 3, initialDelay = "PT0.1S", maxDelay = "PT0.1S", jitter = 0)
@Timeout("PT10S")
@RateLimit(permits = 100, period = "1s")
@ConcurrencyLimit(4)
@LayeredWorker.Audited
public class LayeredWorker implements JobHandler<Greeting> {

    /** {@code <id>#<attempt>} to the layers around the handler; {@code audit:<id>#<attempt>} around the audit. */
    static final Map<String, List<String>> SEEN = new ConcurrentHashMap<>();

    private static final List<String> LAYERS = List.of("TracingInterceptor", "CatchFailureInterceptor",
            "RetryInterceptor", "TimeoutInterceptor", "JobScopeInterceptor", "RateLimitInterceptor",
            "ConcurrencyLimitInterceptor", "AuditInterceptor");

    @Override
    public Outcome handle(Job<Greeting> job) {
        SEEN.put(job.context().id() + "#" + job.context().attempt(), enclosing());
        if (job.context().attempt() == 1) {
            throw new IllegalStateException("the first attempt fails");
        }
        return Outcome.done();
    }

    /** The layers (and the audit interceptor) that enclose the caller on its thread, outermost first. */
    static List<String> enclosing() {
        List<String> frames = new ArrayList<>(Arrays.stream(Thread.currentThread().getStackTrace())
                .map(StackTraceElement::getClassName).map(n -> n.substring(n.lastIndexOf('.') + 1))
                .map(n -> n.substring(n.lastIndexOf('$') + 1)).filter(LAYERS::contains).distinct().toList());
        Collections.reverse(frames); // the stack lists the innermost frame first
        return frames;
    }

    @InterceptorBinding
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.TYPE, ElementType.METHOD})
    public @interface Audited {
    }

    /** The application's own interceptor, placed between retry and timeout by its priority. */
    @Audited
    @Interceptor
    @Priority(LayerPriorities.RETRY + 5)
    public static class AuditInterceptor {
        @AroundInvoke
        Object audit(InvocationContext context) throws Exception {
            Job<?> job = (Job<?>) context.getParameters()[0];
            SEEN.put("audit:" + job.context().id() + "#" + job.context().attempt(), enclosing());
            return context.proceed();
        }
    }
}
