package dev.apiary.cdi;

import dev.apiary.schedule.Misfire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A recurring schedule on a {@link JobWorker} bean: at each fire time one job is pushed to the worker's storage,
 * once across all nodes. The payload comes from a bean of the worker's payload type named after the schedule (for
 * example a producer method {@code @Produces @Named("nightly-report") Report nightly()}), called at each fire; with
 * no such bean, the payload type's public no-argument constructor makes it. Repeatable, one per schedule.
 * Every member can be overridden with MicroProfile Config under {@code apiary.schedules.<name>.*}.
 *
 * <pre>{@code
 * @JobWorker
 * @Recurring(name = "nightly-report", cron = "0 0 2 * * *", zone = "Europe/Paris")
 * public class ReportWorker implements JobHandler<ReportRequest> { ... }
 * }</pre>
 *
 * @see dev.apiary.schedule.Schedule
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(Recurring.List.class)
public @interface Recurring {

    /** The schedule's name, unique in the application and stable across releases (it keys its fires). */
    String name();

    /** A cron expression of Jakarta Concurrency's {@code CronTrigger}: six fields with seconds, or five without. */
    String cron();

    /** The time zone the expression is read in, e.g. {@code "Europe/Paris"}. */
    String zone() default "UTC";

    /** What to do with fires missed while no node could fire them. */
    Misfire misfire() default Misfire.FIRE_ONCE;

    /** How many missed fires {@link Misfire#CATCH_UP} enqueues at most. */
    int maxCatchUp() default 10;

    /** How late a fire may be and still count as on time: ISO-8601 or a number with a unit ({@code 1m}). */
    String misfireThreshold() default "1m";

    /** Several schedules on one worker. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface List {
        Recurring[] value();
    }
}
