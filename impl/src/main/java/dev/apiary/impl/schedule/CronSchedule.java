package dev.apiary.impl.schedule;

import dev.apiary.ConfigurationException;
import dev.apiary.schedule.Schedule;
import jakarta.enterprise.concurrent.CronTrigger;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZonedDateTime;

/**
 * A schedule's fire times, from Jakarta Concurrency's {@link CronTrigger} (which parses the expression and walks the
 * calendar in the schedule's zone, daylight-saving changes included).
 */
public final class CronSchedule {

    private final CronTrigger trigger;

    private CronSchedule(CronTrigger trigger) {
        this.trigger = trigger;
    }

    /**
     * The fire times of {@code schedule}.
     *
     * @throws ConfigurationException when the expression is invalid or never fires, naming the schedule and value
     */
    public static CronSchedule of(Schedule schedule) {
        CronTrigger trigger;
        try {
            trigger = new CronTrigger(schedule.cron(), schedule.zone());
        } catch (RuntimeException e) {
            throw new ConfigurationException("Schedule '" + schedule.name() + "' has an invalid cron expression '"
                    + schedule.cron() + "' (" + e.getMessage() + "); expected six fields with seconds ('0 0 2 * * *')"
                    + " or five without, as Jakarta Concurrency's CronTrigger reads them", e);
        }
        CronSchedule cron = new CronSchedule(trigger);
        try {
            cron.nextAfter(Instant.now());
        } catch (DateTimeException e) {
            throw new ConfigurationException("Schedule '" + schedule.name() + "' has a cron expression '"
                    + schedule.cron() + "' that never fires: " + e.getMessage(), e);
        }
        return cron;
    }

    /**
     * The first fire time strictly after {@code instant}. CronTrigger's own answer includes {@code instant} itself
     * when it is a fire time, hence the nanosecond.
     */
    public Instant nextAfter(Instant instant) {
        ZonedDateTime from = instant.plusNanos(1).atZone(trigger.getZoneId());
        return trigger.getNextRunTime(null, from).toInstant();
    }
}
