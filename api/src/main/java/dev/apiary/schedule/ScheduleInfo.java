package dev.apiary.schedule;

import java.time.Instant;

/**
 * A schedule as operations see it: its definition on this node and its state in the storage, shared by all nodes.
 *
 * @param schedule the definition, after configuration
 * @param queue    the queue its jobs are pushed to
 * @param paused   whether it is paused (on every node)
 * @param lastFire the latest fire enqueued, or when it was first registered if it has never fired; {@code null}
 *                 before the schedule's first registration in the storage
 * @param nextFire the next fire time, {@code null} when paused, disabled on this node or never again
 */
public record ScheduleInfo(Schedule schedule, String queue, boolean paused, Instant lastFire, Instant nextFire) {

    /** The schedule's name. */
    public String name() {
        return schedule.name();
    }
}
