package dev.apiary.layer;

import dev.apiary.spi.ApiaryProvider;

import java.time.Duration;

/**
 * The built-in layers. Each is one strategy; the CDI interceptor bindings ({@code @Retry}, {@code @Timeout}, ...)
 * run the same strategies. The usual order, outermost first: tracing, catch-failure, retry, timeout, rate limit,
 * concurrency limit.
 */
public final class Layers {

    private Layers() {
    }

    /**
     * Turns an exception into a retry at a backoff delay while attempts remain, and into a failure after the last.
     * {@link dev.apiary.AbortJobException} kills the job at once; a {@link dev.apiary.RetryableException} with a
     * delay overrides the backoff. The retry is stored as "run at", so it survives a restart.
     */
    public static Layer retry(RetryPolicy policy) {
        return ApiaryProvider.instance().retryLayer(policy);
    }

    /**
     * Fails the attempt with {@link dev.apiary.JobTimeoutException} when the rest of the chain takes longer than
     * {@code timeout}, counted from when the attempt reaches this layer: the chain runs on the caller's thread,
     * which is interrupted at the deadline.
     */
    public static Layer timeout(Duration timeout) {
        return ApiaryProvider.instance().timeoutLayer(timeout);
    }

    /** Lets at most {@code permits} jobs start per {@code period} (a token bucket); others wait their turn. */
    public static Layer rateLimit(int permits, Duration period) {
        return ApiaryProvider.instance().rateLimitLayer(permits, period);
    }

    /** Lets at most {@code limit} jobs run at once through this layer instance, across the workers that share it. */
    public static Layer concurrencyLimit(int limit) {
        return ApiaryProvider.instance().concurrencyLimitLayer(limit);
    }

    /** Turns any {@link Throwable}, {@link Error}s included, into a failed outcome that keeps the stack trace. */
    public static Layer catchFailure() {
        return ApiaryProvider.instance().catchFailureLayer();
    }

    /**
     * Logs each job's start, outcome, duration and trace id under the logger {@code dev.apiary.jobs}. The attempt's
     * span and the metrics are recorded by the runtime for every job, with or without this layer.
     */
    public static Layer tracing() {
        return ApiaryProvider.instance().tracingLayer();
    }
}
