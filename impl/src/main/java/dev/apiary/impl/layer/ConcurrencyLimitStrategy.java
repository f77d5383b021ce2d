package dev.apiary.impl.layer;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.layer.Layer;

import java.util.concurrent.Semaphore;

/** At most {@code limit} jobs inside this layer at once, across every worker that shares the instance. */
public final class ConcurrencyLimitStrategy implements Layer {

    private final Semaphore permits;

    public ConcurrencyLimitStrategy(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        this.permits = new Semaphore(limit, true);
    }

    @Override
    public Outcome apply(Job<?> job, Next next) throws Exception {
        permits.acquire();
        try {
            return next.proceed();
        } finally {
            permits.release();
        }
    }
}
