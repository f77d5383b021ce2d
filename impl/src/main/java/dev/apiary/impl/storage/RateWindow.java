package dev.apiary.impl.storage;

import dev.apiary.QueueLimits;

import java.time.Instant;

/**
 * The starts counted in the current period of a {@link QueueLimits.Rate}, periods aligned on the epoch. Not
 * thread-safe; guarded by the storage's lock.
 */
final class RateWindow {
    private long period = Long.MIN_VALUE;
    private int starts;

    /** How many more starts the current period allows. */
    int remaining(QueueLimits.Rate rate, Instant now) {
        return current(rate, now) == period ? Math.max(0, rate.starts() - starts) : rate.starts();
    }

    void count(QueueLimits.Rate rate, Instant now) {
        long p = current(rate, now);
        if (p != period) {
            period = p;
            starts = 0;
        }
        starts++;
    }

    private static long current(QueueLimits.Rate rate, Instant now) {
        return Math.floorDiv(now.toEpochMilli(), rate.per().toMillis());
    }
}
