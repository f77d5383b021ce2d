package dev.apiary.testing;

import dev.apiary.impl.clock.EngineClock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A clock that stands still until a test moves it; thread-safe. Both the wall clock and the monotonic clock of the
 * engine read it (the monotonic reading is the wall time in nanoseconds since the epoch, so it moves with it). For
 * {@link WorkerDriver}, {@link ManualMonitor} and storages under test.
 */
public final class ManualClock extends Clock implements EngineClock {

    private volatile Instant now;

    private ManualClock(Instant start) {
        this.now = Objects.requireNonNull(start, "start");
    }

    /** A clock standing at {@code start}. */
    public static ManualClock at(Instant start) {
        return new ManualClock(start);
    }

    /** A clock standing at the current time. */
    public static ManualClock startingNow() {
        return new ManualClock(Instant.now());
    }

    /** Moves the clock forward by {@code step}. */
    public synchronized void advance(Duration step) {
        if (step.isNegative()) {
            throw new IllegalArgumentException("A manual clock only moves forward, was asked to move by " + step);
        }
        now = now.plus(step);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public long nanoTime() {
        Instant at = now;
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.fixed(now, zone);
    }
}
