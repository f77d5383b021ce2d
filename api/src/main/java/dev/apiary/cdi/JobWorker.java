package dev.apiary.cdi;

import jakarta.enterprise.inject.Stereotype;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a CDI bean that implements {@link dev.apiary.JobHandler JobHandler&lt;T&gt;} a worker: Apiary finds it at
 * deployment, takes its jobs from the {@code JobStorage<T>} bean of its queue and runs {@code instances} instances
 * of it under the application's monitor, each running up to {@code concurrency} jobs at once.
 *
 * <p>It is a stereotype, so it makes the class a bean on its own. Without a scope annotation the bean is
 * {@code @Dependent}: a fresh instance handles each job (so {@code @Inject JobContext} gives that job's context);
 * annotate it {@code @ApplicationScoped} to share one thread-safe instance across jobs.
 *
 * <p>The storage is the bean that {@code @Inject @Queue(queue) JobStorage<T>} would get, or {@code @Inject
 * JobStorage<T>} when {@code queue} is empty. Every member can be overridden with MicroProfile Config under
 * {@code apiary.workers.<name>.*}.
 *
 * <pre>{@code
 * @JobWorker(queue = "email", concurrency = 4)
 * @Retry(initialDelay = "PT1S", maxDelay = "PT10M")
 * public class EmailWorker implements JobHandler<Email> {
 *     @Inject Mailer mailer;
 *     public Outcome handle(Job<Email> job) { mailer.send(job.payload()); return Outcome.done(); }
 * }
 * }</pre>
 */
@Stereotype
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface JobWorker {

    /**
     * The worker's name, unique in the application; it names the instances ({@code name-0}, ...) and the config
     * keys. Defaults to the queue, or to the bean class's simple name with a lower-case first letter.
     */
    String name() default "";

    /** The {@link Queue} qualifier value of the storage to take jobs from; empty for the unqualified storage. */
    String queue() default "";

    /** Jobs one instance runs at once, at least 1. */
    int concurrency() default 1;

    /** Instances of this worker in this application (each polls and runs on its own), at least 1. */
    int instances() default 1;

    /**
     * Jobs an instance claims beyond its free slots, at least 0; by default (-1) the claim size follows the load.
     * See {@link dev.apiary.worker.WorkerBuilder#prefetch(int)}.
     */
    int prefetch() default -1;

    /** The shortest pause between polls, e.g. {@code "100ms"} or {@code "PT0.1S"}; empty for the default (100 ms). */
    String pollInterval() default "";

    /** The longest pause between polls when idle, e.g. {@code "2s"}; empty for the default (2 s). */
    String maxPollInterval() default "";

    /** How often an instance heartbeats to its storage, e.g. {@code "10s"}; empty for the default (10 s). */
    String heartbeatInterval() default "";

    /**
     * After how long without a heartbeat another node's running jobs go back to pending, e.g. {@code "60s"};
     * {@code "0"} turns orphan recovery off; empty for the default (60 s).
     */
    String lease() default "";
}
