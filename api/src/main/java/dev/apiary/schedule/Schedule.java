package dev.apiary.schedule;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A recurring schedule: a stable name, a cron expression in a time zone and what to do with missed fires. Fire
 * times are computed by Jakarta Concurrency's {@code CronTrigger}: six fields with seconds
 * ({@code "30 0 2 * * MON-FRI"}) or five without; a time that a daylight-saving change skips does not fire, a time
 * that it repeats fires at both instants. Immutable; each {@code with…} method returns a copy.
 *
 * @param name             unique among the application's schedules; names the fires' unique keys and config keys
 * @param cron             the cron expression
 * @param zone             the zone the expression is read in (default UTC)
 * @param misfire          what to do with missed fires (default {@link Misfire#FIRE_ONCE})
 * @param maxCatchUp       how many missed fires {@link Misfire#CATCH_UP} enqueues at most (default 10)
 * @param misfireThreshold how late a fire may be and still count as on time (default 1 minute)
 * @param enabled          whether this node fires the schedule (default true)
 */
public record Schedule(String name, String cron, ZoneId zone, Misfire misfire, int maxCatchUp,
                       Duration misfireThreshold, boolean enabled) {

    /** Missed fires {@link Misfire#CATCH_UP} enqueues when none is given. */
    public static final int DEFAULT_MAX_CATCH_UP = 10;

    /** How late a fire may be and still be on time, when none is given. */
    public static final Duration DEFAULT_MISFIRE_THRESHOLD = Duration.ofMinutes(1);

    public Schedule {
        if (name == null || name.isBlank() || name.length() > 150) {
            throw new IllegalArgumentException("A schedule needs a name of 1 to 150 characters, was '" + name + "'");
        }
        Objects.requireNonNull(cron, "cron of schedule '" + name + "'");
        Objects.requireNonNull(zone, "zone of schedule '" + name + "'");
        Objects.requireNonNull(misfire, "misfire of schedule '" + name + "'");
        if (maxCatchUp < 1) {
            throw new IllegalArgumentException("maxCatchUp of schedule '" + name + "' must be at least 1, was "
                    + maxCatchUp);
        }
        if (misfireThreshold == null || misfireThreshold.isNegative()) {
            throw new IllegalArgumentException("misfireThreshold of schedule '" + name
                    + "' must be zero or positive, was " + misfireThreshold);
        }
    }

    /** A schedule in UTC that fires missed fires once, with a misfire threshold of one minute. */
    public static Schedule cron(String name, String cron) {
        return new Schedule(name, cron, ZoneOffset.UTC, Misfire.FIRE_ONCE, DEFAULT_MAX_CATCH_UP,
                DEFAULT_MISFIRE_THRESHOLD, true);
    }

    public Schedule withCron(String expression) {
        return new Schedule(name, expression, zone, misfire, maxCatchUp, misfireThreshold, enabled);
    }

    public Schedule withZone(ZoneId value) {
        return new Schedule(name, cron, value, misfire, maxCatchUp, misfireThreshold, enabled);
    }

    public Schedule withMisfire(Misfire value) {
        return new Schedule(name, cron, zone, value, maxCatchUp, misfireThreshold, enabled);
    }

    /** {@link Misfire#CATCH_UP} with at most {@code max} missed fires. */
    public Schedule withCatchUp(int max) {
        return new Schedule(name, cron, zone, Misfire.CATCH_UP, max, misfireThreshold, enabled);
    }

    public Schedule withMisfireThreshold(Duration value) {
        return new Schedule(name, cron, zone, misfire, maxCatchUp, value, enabled);
    }

    public Schedule withEnabled(boolean value) {
        return new Schedule(name, cron, zone, misfire, maxCatchUp, misfireThreshold, value);
    }
}
