package dev.apiary.impl.storage;

import dev.apiary.JobOptions;
import dev.apiary.spi.ScheduleStore;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The recurring schedules pushing to one {@link InMemoryStorage}'s queue. Their state is kept under the storage's
 * lock, so that a fire and its pushes are one step.
 */
final class InMemorySchedules<T> implements ScheduleStore<T> {

    /** How a fire adds its jobs to the storage. */
    interface Jobs<T> {

        /** Adds one job; called with the storage's lock held. */
        String addLocked(T payload, JobOptions options, Instant now);

        /** Tells the storage's listeners that jobs were added; called without the lock. */
        void added();
    }

    private final Object lock;
    private final Clock clock;
    private final Jobs<T> jobs;
    /** By name; guarded by lock. */
    private final Map<String, State> states = new HashMap<>();

    InMemorySchedules(Object lock, Clock clock, Jobs<T> jobs) {
        this.lock = lock;
        this.clock = clock;
        this.jobs = jobs;
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public State register(String name) {
        synchronized (lock) {
            Instant now = clock.instant();
            State state = states.computeIfAbsent(name,
                    n -> new State(n, now.truncatedTo(ChronoUnit.SECONDS), false, now));
            return new State(name, state.lastFire(), state.paused(), now);
        }
    }

    @Override
    public Optional<State> state(String name) {
        synchronized (lock) {
            State state = states.get(name);
            return state == null ? Optional.empty()
                    : Optional.of(new State(name, state.lastFire(), state.paused(), clock.instant()));
        }
    }

    @Override
    public Optional<List<String>> fire(String name, Instant expectedLastFire, Instant lastFire,
                                       List<Push<T>> pushes) {
        List<String> ids = new ArrayList<>(pushes.size());
        synchronized (lock) {
            State state = states.get(name);
            if (state == null || state.paused() || !state.lastFire().equals(expectedLastFire)) {
                return Optional.empty();
            }
            Instant now = clock.instant();
            for (Push<T> push : pushes) {
                ids.add(jobs.addLocked(push.payload(), push.options(), now));
            }
            states.put(name, new State(name, lastFire, false, now));
        }
        if (!ids.isEmpty()) {
            jobs.added();
        }
        return Optional.of(ids);
    }

    @Override
    public boolean setPaused(String name, boolean paused) {
        synchronized (lock) {
            State state = states.get(name);
            if (state == null) {
                return false;
            }
            if (state.paused() != paused) {
                Instant now = clock.instant();
                Instant last = paused ? state.lastFire() : now;
                states.put(name, new State(name, last, paused, now));
            }
            return true;
        }
    }
}
