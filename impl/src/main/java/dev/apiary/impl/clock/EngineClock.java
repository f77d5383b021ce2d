package dev.apiary.impl.clock;

import java.time.Instant;

/**
 * The engine's one source of time: the wall clock (when a job ran, when a heartbeat got through) and a monotonic
 * clock (how long a claim took, whether a deadline passed). The monitor hands its clock to every worker instance and
 * stage, so that nothing in the worker loop reads {@code System.nanoTime()} or {@code Instant.now()} itself and a test
 * can step time (see {@code dev.apiary.testing.ManualClock}).
 */
public interface EngineClock {

    /** The wall-clock time now. */
    Instant instant();

    /**
     * A monotonic reading in nanoseconds, for durations and deadlines only: its origin is arbitrary, and it never goes
     * back.
     */
    long nanoTime();

    /** Nanoseconds from now until {@code deadline} (a {@link #nanoTime()} reading); negative once it has passed. */
    default long nanosUntil(long deadline) {
        return deadline - nanoTime();
    }

    /** The system's clocks: {@code Instant.now()} and {@code System.nanoTime()}. */
    static EngineClock system() {
        return SystemClock.INSTANCE;
    }

    /** The system's clocks, read at one place. */
    enum SystemClock implements EngineClock {
        INSTANCE;

        @Override
        public Instant instant() {
            return Instant.now();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    }
}
