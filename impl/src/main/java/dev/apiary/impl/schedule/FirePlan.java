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
 * <p>Fires in {@code (lastFire, now]} are due. When the oldest of them is no older than the misfire threshold they
 * are late, not missed, and each is enqueued (at most {@link #MAX_FIRES_PER_TICK} at once; the rest at the next
 * tick). Otherwise the schedule missed them and its {@link Misfire} policy chooses: the latest one, the latest
 * {@code maxCatchUp}, or none. Either way the last fire moves to the latest due fire.
 *
 * @param fires    the fire times to enqueue, oldest first (may be empty when the policy skips them)
 * @param lastFire the schedule's new last fire
 * @param missed   whether the due fires were missed
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
        if (!first.isBefore(now.minus(schedule.misfireThreshold()))) {
            List<Instant> fires = new ArrayList<>();
            for (Instant f = first; !f.isAfter(now) && fires.size() < MAX_FIRES_PER_TICK; f = cron.nextAfter(f)) {
                fires.add(f);
            }
            return new FirePlan(fires, fires.get(fires.size() - 1), false);
        }
        int keep = schedule.misfire() == Misfire.CATCH_UP ? schedule.maxCatchUp() : 1;
        List<Instant> latest = latestFires(cron, lastFire, now, keep);
        Instant newLast = latest.get(latest.size() - 1);
        List<Instant> fires = schedule.misfire() == Misfire.SKIP ? List.of() : latest;
        return new FirePlan(fires, newLast, true);
    }

    /**
     * The latest {@code count} fires in {@code (lastFire, now]} (fewer if there are fewer), found without walking
     * every fire since {@code lastFire}: a schedule that fires every second and was down for a week would otherwise
     * cost 600,000 steps. Cron cannot be walked backwards, so the window before {@code now} grows until it holds
     * enough fires or reaches {@code lastFire}.
     */
    private static List<Instant> latestFires(CronSchedule cron, Instant lastFire, Instant now, int count) {
        Duration window = Duration.ofMinutes(1);
        while (true) {
            Instant from = now.minus(window);
            boolean whole = !from.isAfter(lastFire);
            if (whole) {
                from = lastFire;
            }
            Deque<Instant> found = new ArrayDeque<>(count + 1);
            for (Instant f = cron.nextAfter(from); !f.isAfter(now); f = cron.nextAfter(f)) {
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
