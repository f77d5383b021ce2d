package dev.apiary.spi;

import dev.apiary.JobOptions;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a storage keeps the state of the recurring schedules that push to its queue, shared by every node: the last
 * fire of each and whether it is paused. A fire advances the last fire and pushes its jobs in one atomic step, and
 * only from the last fire the caller read, so two nodes that compute the same fire enqueue it once.
 *
 * @param <T> the payload type of the storage's queue
 */
public interface ScheduleStore<T> {

    /** The store's clock: the database's where there is one, so that every node fires on the same time. */
    Instant now();

    /**
     * The schedule's state, creating it (not paused, last fire at {@link #now()} truncated to the second, so that
     * nothing fires for the past) when it does not exist yet.
     */
    State register(String name);

    /** The schedule's state, or empty when it was never registered. */
    Optional<State> state(String name);

    /**
     * If the schedule is not paused and its last fire is still {@code expectedLastFire}, sets it to {@code lastFire}
     * and pushes {@code jobs}, all or nothing; returns the ids of the jobs pushed, or empty when another node fired
     * (or paused it) first.
     */
    Optional<List<String>> fire(String name, Instant expectedLastFire, Instant lastFire, List<Push<T>> jobs);

    /**
     * Pauses or resumes the schedule; resuming sets its last fire to {@link #now()}, so fires due while it was paused
     * do not fire.
     *
     * @return false when the schedule was never registered
     */
    boolean setPaused(String name, boolean paused);

    /**
     * A schedule's stored state.
     *
     * @param lastFire the last fire enqueued (or the registration time)
     * @param readAt   the store's clock when it was read
     */
    record State(String name, Instant lastFire, boolean paused, Instant readAt) {
    }

    /** One job to push with a fire. */
    record Push<T>(T payload, JobOptions options) {
    }
}
