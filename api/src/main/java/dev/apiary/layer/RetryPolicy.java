package dev.apiary.layer;

import java.time.Duration;

/**
 * When and how often a failed attempt is retried: exponential backoff with jitter.
 * The delay before attempt {@code n + 1} is {@code min(maxDelay, initialDelay * multiplier^(n-1))}, then reduced by
 * up to {@code jitter} of itself at random, so that many failing jobs do not retry in step.
 *
 * @param maxAttempts  attempts in all, or 0 to use each job's own {@code maxAttempts}
 * @param initialDelay delay before the second attempt
 * @param maxDelay     upper bound of any delay
 * @param multiplier   growth per attempt, at least 1
 * @param jitter       share of the delay taken off at random, 0 to 1
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, double multiplier, double jitter) {

    public RetryPolicy {
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts must be 0 (use the job's) or more, was " + maxAttempts);
        }
        if (initialDelay == null || initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay must be zero or positive, was " + initialDelay);
        }
        if (maxDelay == null || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay must be at least initialDelay, was " + maxDelay);
        }
        if (multiplier < 1) {
            throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, was " + jitter);
        }
    }

    /** Each job's own attempt budget, 1 s doubling up to 10 min, 20 % jitter. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(0, Duration.ofSeconds(1), Duration.ofMinutes(10), 2.0, 0.2);
    }

    /** Doubling backoff from {@code initial} up to {@code max}, 20 % jitter, the job's own attempt budget. */
    public static RetryPolicy exponential(Duration initial, Duration max) {
        return new RetryPolicy(0, initial, max, 2.0, 0.2);
    }

    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialDelay, maxDelay, multiplier, jitter);
    }

    public RetryPolicy withJitter(double newJitter) {
        return new RetryPolicy(maxAttempts, initialDelay, maxDelay, multiplier, newJitter);
    }
}
