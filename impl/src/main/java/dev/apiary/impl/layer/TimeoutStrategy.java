package dev.apiary.impl.layer;

import dev.apiary.Job;
import dev.apiary.JobTimeoutException;
import dev.apiary.Outcome;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.layer.Layer;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails an attempt that runs longer than its timeout. The rest of the chain runs on a thread of its own so that the
 * worker's slot is given back at the deadline even when the handler ignores interruption: the late thread is
 * interrupted and its result, if any, discarded.
 */
public final class TimeoutStrategy implements Layer {

    private final Duration timeout;
    private final ExecutorService executor;

    public TimeoutStrategy(Duration timeout, ExecutorService executor) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
        this.executor = executor;
    }

    @Override
    public Outcome apply(Job<?> job, Next next) throws Exception {
        // the attempt's span stays current on the other thread, for the handler's own spans
        Future<Outcome> attempt = executor.submit(Telemetry.propagate(next::proceed));
        try {
            return attempt.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            attempt.cancel(true);
            throw new JobTimeoutException(job.id(), timeout);
        } catch (InterruptedException e) {
            attempt.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
