package dev.apiary.cdi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Cluster-wide limits on the queue of a {@link JobWorker} bean, enforced by its storage where jobs are claimed on
 * every node ({@link dev.apiary.QueueLimits}). Unlike {@link ConcurrencyLimit} and {@link RateLimit}, which count in
 * one JVM, these count the jobs of the queue on all nodes. The keys {@code apiary.queues.<queue>.max-running},
 * {@code .rate}, {@code .partition-by}, {@code .max-running-per-key}, {@code .rate-per-key} and {@code .fair}
 * override each value.
 *
 * <pre>{@code
 * @JobWorker(queue = "billing")
 * @QueueLimit(maxRunning = 10, partitionBy = "metadata:tenant", maxRunningPerKey = 2, ratePerKey = "5/1s")
 * public class ChargeWorker implements JobHandler<Charge> { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface QueueLimit {

    /** Jobs of the queue running at once on all nodes; 0 for no limit. */
    int maxRunning() default 0;

    /** Starts per period on all nodes, as {@code "10/1s"}; empty for no limit. */
    String rate() default "";

    /** Where a job's partition key comes from: {@code "metadata:<key>"} or {@code "payload:<property>"}. */
    String partitionBy() default "";

    /** Jobs of one key running at once on all nodes; 0 for no limit. */
    int maxRunningPerKey() default 0;

    /** Starts of one key per period on all nodes, as {@code "2/1s"}; empty for no limit. */
    String ratePerKey() default "";

    /** Claims round-robin across keys. */
    boolean fair() default false;
}
