package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.CatchFailure;
import dev.apiary.cdi.ConcurrencyLimit;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.LayerPriorities;
import dev.apiary.cdi.Queue;
import dev.apiary.cdi.RateLimit;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.cdi.Traced;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.StoredJob;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InterceptorBinding;
import jakarta.interceptor.InvocationContext;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The layer annotations on a worker bean run as interceptors in the documented order, call the same strategies as
 * the programmatic layers, and let a user's own interceptor take its place between them.
 */
@EnableWeld
class InterceptorLayersTest {

    private static final List<String> LAYERS = List.of(TracingInterceptor.class.getName(),
            CatchFailureInterceptor.class.getName(), RetryInterceptor.class.getName(),
            TimeoutInterceptor.class.getName(), JobScopeInterceptor.class.getName(),
            RateLimitInterceptor.class.getName(), ConcurrencyLimitInterceptor.class.getName());

    /** Apiary's interceptors that enclose the current call on this thread, outermost first. */
    static List<String> enclosingLayers() {
        List<String> frames = new ArrayList<>(Arrays.stream(Thread.currentThread().getStackTrace())
                .map(StackTraceElement::getClassName).filter(LAYERS::contains).distinct().toList());
        // the stack lists the innermost frame first
        Collections.reverse(frames);
        return frames.stream().map(n -> n.substring(n.lastIndexOf('.') + 1)).toList();
    }

    @InterceptorBinding
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.TYPE, ElementType.METHOD})
    public @interface Audited {
    }

    @InterceptorBinding
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.TYPE, ElementType.METHOD})
    public @interface Innermost {
    }

    /** A user's interceptor placed between retry and timeout. */
    @Audited
    @Interceptor
    @Priority(LayerPriorities.RETRY + 5)
    public static class AuditInterceptor {
        static final List<List<String>> ENCLOSING = new CopyOnWriteArrayList<>();
        static final List<String> THREADS = new CopyOnWriteArrayList<>();
        static final List<String> SAW_EXCEPTIONS = new CopyOnWriteArrayList<>();

        @AroundInvoke
        Object audit(InvocationContext ctx) throws Exception {
            ENCLOSING.add(enclosingLayers());
            THREADS.add(Thread.currentThread().getName());
            try {
                return ctx.proceed();
            } catch (Exception e) {
                SAW_EXCEPTIONS.add(e.getMessage());
                throw e;
            }
        }
    }

    /** A user's ordinary application interceptor: inside every Apiary layer. */
    @Innermost
    @Interceptor
    @Priority(Interceptor.Priority.APPLICATION)
    public static class InnermostInterceptor {
        static final List<List<String>> ENCLOSING = new CopyOnWriteArrayList<>();
        static final List<String> THREADS = new CopyOnWriteArrayList<>();

        @AroundInvoke
        Object around(InvocationContext ctx) throws Exception {
            ENCLOSING.add(enclosingLayers());
            THREADS.add(Thread.currentThread().getName());
            return ctx.proceed();
        }
    }

    @JobWorker(queue = "layered")
    @ApplicationScoped
    @Traced
    @CatchFailure
    @Retry(initialDelay = "10ms", maxDelay = "10ms", jitter = 0)
    @Timeout("PT5S")
    @RateLimit(permits = 100, period = "1s")
    @ConcurrencyLimit(4)
    @Audited
    @Innermost
    public static class LayeredWorker implements JobHandler<Email> {
        static final Map<String, String> CURRENT_JOB_SEEN = new ConcurrentHashMap<>();

        @Inject
        Instance<JobContext> currentJob;

        @Override
        public Outcome handle(Job<Email> job) {
            CURRENT_JOB_SEEN.put(job.id() + "#" + job.context().attempt(), currentJob.get().id());
            if (job.context().attempt() == 1) {
                throw new IllegalStateException("the first attempt fails");
            }
            return Outcome.done();
        }
    }

    @JobWorker(queue = "slow")
    @ApplicationScoped
    @Retry(maxAttempts = 1)
    @Timeout("200ms")
    public static class SlowWorker implements JobHandler<Email> {
        static final AtomicInteger INTERRUPTED = new AtomicInteger();

        @Override
        public Outcome handle(Job<Email> job) {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                INTERRUPTED.incrementAndGet();
                Thread.currentThread().interrupt();
            }
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        @Produces
        @ApplicationScoped
        @Queue("layered")
        JobStorage<Email> layered() {
            return InMemory.storage("layered", Email.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("slow")
        JobStorage<Email> slow() {
            return InMemory.storage("slow", Email.class);
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(LayeredWorker.class, SlowWorker.class, Storages.class, AuditInterceptor.class,
                    InnermostInterceptor.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    @Queue("layered")
    JobQueue<Email> layered;

    @Inject
    @Queue("layered")
    JobStorage<Email> layeredStorage;

    @Inject
    @Queue("slow")
    JobQueue<Email> slow;

    @Inject
    @Queue("slow")
    JobStorage<Email> slowStorage;

    @BeforeAll
    static void config() {
        TestConfig.use(Map.of());
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void layersRunInTheDocumentedOrderWithAUserInterceptorInItsPlace() {
        String id = layered.push(new Email("order@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> layeredStorage.find(id).orElseThrow().status()
                == JobStatus.DONE);
        // between retry and timeout: on the worker's thread, inside tracing, catch-failure and retry
        assertThat(AuditInterceptor.ENCLOSING.get(0))
                .containsExactly("TracingInterceptor", "CatchFailureInterceptor", "RetryInterceptor");
        // at APPLICATION priority: inside the job scope and the limits, on the same thread (the timeout takes none)
        assertThat(InnermostInterceptor.ENCLOSING.get(0))
                .containsExactly("TracingInterceptor", "CatchFailureInterceptor", "RetryInterceptor",
                        "TimeoutInterceptor", "JobScopeInterceptor", "RateLimitInterceptor",
                        "ConcurrencyLimitInterceptor");
        assertThat(InnermostInterceptor.THREADS.get(0)).isEqualTo(AuditInterceptor.THREADS.get(0));
    }

    @Test
    void aFailedAttemptIsSeenByTheUserInterceptorInsideRetryAndRetriedWithBackoff() {
        String id = layered.push(new Email("retry@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> layeredStorage.find(id).orElseThrow().status()
                == JobStatus.DONE);
        StoredJob<Email> job = layeredStorage.find(id).orElseThrow();
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(AuditInterceptor.SAW_EXCEPTIONS).contains("the first attempt fails");
    }

    @Test
    void theCurrentJobContextIsTheHandlersOwnInsideTheTimeout() {
        String id = layered.push(new Email("context@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> LayeredWorker.CURRENT_JOB_SEEN.containsKey(id + "#2"));
        assertThat(LayeredWorker.CURRENT_JOB_SEEN).containsEntry(id + "#1", id).containsEntry(id + "#2", id);
    }

    @Test
    void theTimeoutInterceptorFailsAnAttemptThatRunsTooLongAndInterruptsIt() {
        String id = slow.push(new Email("slow@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> slowStorage.find(id).orElseThrow().status()
                == JobStatus.FAILED);
        assertThat(slowStorage.find(id).orElseThrow().lastError()).contains("did not finish within its timeout of"
                + " PT0.2S");
        await().atMost(Duration.ofSeconds(5)).until(() -> SlowWorker.INTERRUPTED.get() == 1);
    }
}
