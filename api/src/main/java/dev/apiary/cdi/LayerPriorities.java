package dev.apiary.cdi;

import jakarta.interceptor.Interceptor;

/**
 * The {@code @Priority} of each Apiary interceptor on a worker bean; a lower value runs further out. The order
 * mirrors the programmatic layers: tracing and catch-failure outermost, then retry, then timeout, rate limit and
 * concurrency limit.
 *
 * <p>They sit below {@code Interceptor.Priority.PLATFORM_BEFORE + 200}, where {@code @Transactional} runs, so a
 * transaction on {@code handle} lies inside retry and timeout: a failed attempt is rolled back before the retry
 * layer turns its exception into an outcome, and a timed-out attempt's transaction stays on its own thread.
 *
 * <p>To put an interceptor of your own between two layers, give it a priority between theirs, e.g.
 * {@code @Priority(LayerPriorities.RETRY + 5)} runs inside retry and outside timeout. An interceptor at
 * {@code Interceptor.Priority.APPLICATION} runs inside every Apiary layer, just around the handler.
 */
public final class LayerPriorities {

    private LayerPriorities() {
    }

    /** {@link Traced}: logs start and outcome with the duration. */
    public static final int TRACING = Interceptor.Priority.PLATFORM_BEFORE + 110;

    /** {@link CatchFailure}: any throwable becomes a failed outcome. */
    public static final int CATCH_FAILURE = Interceptor.Priority.PLATFORM_BEFORE + 120;

    /** {@link Retry}: an exception becomes a retry at a backoff instant. */
    public static final int RETRY = Interceptor.Priority.PLATFORM_BEFORE + 130;

    /** {@link Timeout}: the rest of the chain runs on another thread, abandoned at the deadline. */
    public static final int TIMEOUT = Interceptor.Priority.PLATFORM_BEFORE + 140;

    /**
     * Not a layer: where Apiary activates the request context and sets the current {@code JobContext} on the
     * thread that runs the handler (after {@link #TIMEOUT} may have moved the call to another thread).
     */
    public static final int JOB_SCOPE = Interceptor.Priority.PLATFORM_BEFORE + 145;

    /** {@link RateLimit}: at most n job starts per period. */
    public static final int RATE_LIMIT = Interceptor.Priority.PLATFORM_BEFORE + 150;

    /** {@link ConcurrencyLimit}: at most n jobs inside at once, across the bean's workers. */
    public static final int CONCURRENCY_LIMIT = Interceptor.Priority.PLATFORM_BEFORE + 160;
}
