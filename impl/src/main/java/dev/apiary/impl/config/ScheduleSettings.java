package dev.apiary.impl.config;

import dev.apiary.ConfigurationException;
import dev.apiary.cdi.Recurring;
import dev.apiary.impl.schedule.CronSchedule;
import dev.apiary.schedule.Misfire;
import dev.apiary.schedule.Schedule;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;

/**
 * One {@code @Recurring} schedule's settings: the annotation's values with {@code apiary.schedules.<name>.*} applied
 * on top. A bad value is recorded as a problem that names the worker, the schedule, the value and where it came
 * from (the annotation or the key).
 */
public final class ScheduleSettings {

    private ScheduleSettings() {
    }

    /** The prefix of a schedule's keys, {@code apiary.schedules.<name>.}. */
    public static String prefix(String name) {
        return "apiary.schedules." + name + ".";
    }

    /**
     * The schedule of {@code annotation} on the worker that {@code owner} describes, or empty when a value is bad
     * (then a problem is recorded in {@code config}).
     */
    public static Optional<Schedule> read(ApiaryConfig config, Recurring annotation, String owner) {
        String name = annotation.name();
        String p = prefix(name);
        String where = "Apiary " + owner + ", schedule '" + name + "': ";
        if (name.isBlank() || name.length() > 150) {
            config.problem(where + "@Recurring(name) must have 1 to 150 characters");
            return Optional.empty();
        }
        boolean valid = true;
        String zoneText = config.raw(p + "zone").orElse(annotation.zone());
        String zoneFrom = config.raw(p + "zone").isPresent() ? p + "zone" : "@Recurring(zone)";
        ZoneId zone = null;
        try {
            zone = ZoneId.of(zoneText);
        } catch (DateTimeException e) {
            config.problem(where + "unknown time zone '" + zoneText + "' (from " + zoneFrom + "): " + e.getMessage()
                    + "; use a region id such as 'Europe/Paris' or 'UTC'");
            valid = false;
        }
        String misfireText = config.raw(p + "misfire").orElse(null);
        Misfire misfire = annotation.misfire();
        if (misfireText != null) {
            try {
                misfire = Misfire.valueOf(misfireText.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                config.problem(where + "invalid value '" + misfireText + "' for " + p + "misfire: expected fire-once,"
                        + " catch-up or skip");
                valid = false;
            }
        }
        int maxCatchUp = config.integer(p + "max-catch-up", annotation.maxCatchUp(), 1);
        if (annotation.maxCatchUp() < 1) {
            config.problem(where + "@Recurring(maxCatchUp = " + annotation.maxCatchUp() + "): must be at least 1");
            valid = false;
        }
        Duration threshold;
        try {
            threshold = config.duration(p + "misfire-threshold", Durations.parse(annotation.misfireThreshold()), true);
        } catch (IllegalArgumentException e) {
            config.problem(where + "@Recurring(misfireThreshold = \"" + annotation.misfireThreshold() + "\"): "
                    + e.getMessage());
            threshold = Schedule.DEFAULT_MISFIRE_THRESHOLD;
            valid = false;
        }
        boolean enabled = config.bool(p + "enabled", true);
        String cron = config.raw(p + "cron").orElse(annotation.cron());
        String cronFrom = config.raw(p + "cron").isPresent() ? p + "cron" : "@Recurring(cron)";
        if (!valid) {
            return Optional.empty();
        }
        Schedule schedule = new Schedule(name, cron, zone, misfire, Math.max(1, maxCatchUp), threshold, enabled);
        try {
            CronSchedule.of(schedule);
        } catch (ConfigurationException e) {
            // the message names the schedule and the value already
            config.problem("Apiary " + owner + ": " + e.getMessage() + " (from " + cronFrom + ")");
            return Optional.empty();
        }
        return Optional.of(schedule);
    }
}
