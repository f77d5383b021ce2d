package dev.apiary.impl.schedule;

import dev.apiary.schedule.Misfire;
import dev.apiary.schedule.Schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Which fires of a schedule are due, given its last fire and the store's clock: the decision alone, so that it can
 * be tested with any instants.
 *
 * <p>Fires in {@code (lastFire, now]} are due. A due fire no older than the misfire threshold is late, not missed, and
 * is enqueued (at most {@link #MAX_FIRES_PER_TICK} in one tick; the rest at the next). Older ones were missed, and
 * the schedule's {@link Misfire} policy chooses among them: the latest one, the latest {@code maxCatchUp}, or none.
 * The last fire moves to the latest due fire.
 *
 * @param fires    the fire times to enqueue, oldest first (may be empty when the policy skips them)
 * @param lastFire the schedule's new last fire
 * @param missed   whether some of the due fires were missed
 */
public record FirePlan(List<Instant> fires, Instant lastFire, boolean missed) {

    /** Late fires enqueued by one tick at most. */
    public static final int MAX_FIRES_PER_TICK = 1_000;

    /**
     * The plan for a schedule whose last fire is {@code lastFire}, at {@code now}; {@code null} when nothing is due.
     */
    public static FirePlan plan(Schedule schedule, CronSchedule cron, Instant lastFire, Instant now) {
        Instant first = cron.nextAfter(lastFire);
        if (first.isAfter(now)) {
            return null;
        }
        Instant cutoff = now.minus(schedule.misfireThreshold());
        List<Instant> fires = new ArrayList<>();
        Instant onTimeFrom = lastFire;
        boolean missed = first.isBefore(cutoff);
        if (missed) {
            int keep = schedule.misfire() == Misfire.CATCH_UP ? schedule.maxCatchUp() : 1;
            List<Instant> latest = latestFires(cron, lastFire, cutoff, keep);
            onTimeFrom = latest.get(latest.size() - 1);
            if (schedule.misfire() != Misfire.SKIP) {
                fires.addAll(latest);
            }
        }
        Instant newLast = onTimeFrom;
        int onTime = 0;
        for (Instant f = cron.nextAfter(onTimeFrom); !f.isAfter(now) && onTime < MAX_FIRES_PER_TICK;
             f = cron.nextAfter(f)) {
            fires.add(f);
            newLast = f;
            onTime++;
        }
        return new FirePlan(List.copyOf(fires), newLast, missed);
    }

    /**
     * The latest {@code count} fires in {@code (lastFire, before)} (fewer if there are fewer, at least one), found
     * without walking every fire since {@code lastFire}: a schedule that fires every second and was down for a week
     * would otherwise cost 600,000 steps. Cron cannot be walked backwards, so the window before {@code before} grows
     * until it holds enough fires or reaches {@code lastFire}.
     */
    private static List<Instant> latestFires(CronSchedule cron, Instant lastFire, Instant before, int count) {
        Duration window = Duration.ofMinutes(1);
        while (true) {
            Instant from = before.minus(window);
            boolean whole = !from.isAfter(lastFire);
            if (whole) {
                from = lastFire;
            }
            Deque<Instant> found = new ArrayDeque<>(count + 1);
            for (Instant f = cron.nextAfter(from); f.isBefore(before); f = cron.nextAfter(f)) {
                found.addLast(f);
                if (found.size() > count) {
                    found.removeFirst();
                }
            }
            if (found.size() >= count || whole) {
                return new ArrayList<>(found);
            }
            window = window.multipliedBy(16);
        }
    }
}
