package dev.apiary.layer;

import dev.apiary.Job;
import dev.apiary.Outcome;

/**
 * Middleware around a handler, like a tower {@code Layer} in apalis. Layers run in the order they were added to a
 * worker: the first added is the outermost, so it sees the job first and the outcome last.
 * A layer calls {@code next.proceed()} to go on, or returns an outcome of its own to stop the chain.
 */
@FunctionalInterface
public interface Layer {

    Outcome apply(Job<?> job, Next next) throws Exception;

    /** The rest of the chain, ending in the handler. */
    @FunctionalInterface
    interface Next {
        Outcome proceed() throws Exception;
    }
}
