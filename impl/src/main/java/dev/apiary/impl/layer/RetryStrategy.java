package dev.apiary.impl.layer;

import dev.apiary.AbortJobException;
import dev.apiary.CodecException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.Outcome;
import dev.apiary.RetryableException;
import dev.apiary.layer.Layer;
import dev.apiary.layer.RetryPolicy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retry with exponential backoff and jitter. An exception becomes {@link Outcome.Retry} at the backoff instant while
 * attempts remain and {@link Outcome.Failed} after the last; {@link AbortJobException} and {@link CodecException}
 * kill the job. The retry is an outcome the storage keeps as "run at", so no thread waits and it survives restarts.
 * {@link Error}s pass through, to the catch-failure layer or the worker.
 */
public final class RetryStrategy implements Layer {

    private final RetryPolicy policy;
    private final Clock clock;

    public RetryStrategy(RetryPolicy policy) {
        this(policy, Clock.systemUTC());
    }

    public RetryStrategy(RetryPolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    @Override
    public Outcome apply(Job<?> job, Next next) throws Exception {
        try {
            return next.proceed();
        } catch (AbortJobException | CodecException e) {
            return Outcome.kill(e.getMessage());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return onFailure(job.context(), e);
        }
    }

    /** The outcome of an attempt that threw {@code error}. */
    public Outcome onFailure(JobContext context, Exception error) {
        int budget = policy.maxAttempts() > 0 ? Math.min(policy.maxAttempts(), context.maxAttempts())
                : context.maxAttempts();
        String text = Outcome.describe(error);
        if (context.attempt() >= budget) {
            return Outcome.failed(text);
        }
        Duration delay = error instanceof RetryableException r && r.delay().isPresent()
                ? r.delay().get() : backoff(policy, context.attempt());
        return Outcome.retryAt(Instant.now(clock).plus(delay), text);
    }

    /** The delay after failed attempt {@code attempt} (1-based). */
    public static Duration backoff(RetryPolicy policy, int attempt) {
        double nanos = policy.initialDelay().toNanos() * Math.pow(policy.multiplier(), Math.max(0, attempt - 1));
        double capped = Math.min(nanos, policy.maxDelay().toNanos());
        double jittered = capped * (1 - policy.jitter() * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos((long) jittered);
    }
}
