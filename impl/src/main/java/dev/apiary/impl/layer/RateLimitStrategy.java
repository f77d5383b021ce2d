package dev.apiary.impl.layer;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.layer.Layer;

import java.time.Duration;

/**
 * A token bucket: at most {@code permits} jobs start per {@code period}, with bursts up to {@code permits}.
 * A job that finds the bucket empty reserves the next token and waits for it, so waiting jobs start in turn.
 */
public final class RateLimitStrategy implements Layer {

    private final double capacity;
    private final double tokensPerNano;
    private double tokens;
    private long refilledAt;

    public RateLimitStrategy(int permits, Duration period) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, was " + permits);
        }
        if (period == null || period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        this.capacity = permits;
        this.tokensPerNano = permits / (double) period.toNanos();
        this.tokens = permits;
        this.refilledAt = System.nanoTime();
    }

    @Override
    public Outcome apply(Job<?> job, Next next) throws Exception {
        long waitNanos = reserve();
        if (waitNanos > 0) {
            Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
        }
        return next.proceed();
    }

    /** Takes a token, going into debt if none is left, and returns how long to wait until it is paid. */
    private synchronized long reserve() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - refilledAt) * tokensPerNano);
        refilledAt = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / tokensPerNano);
    }
}
