package dev.apiary.impl.layer;

import java.util.concurrent.ScheduledExecutorService;

/**
 * The scheduler of the worker whose attempt runs on the current thread, shown to the layers that time an attempt
 * (a timeout), so that a layer built before any monitor (plain Java's {@code Layers.timeout}) needs no timer thread
 * of its own. Set by the worker's runner for as long as its task runs attempts on the thread.
 */
public final class AttemptScheduler {

    private static final ThreadLocal<ScheduledExecutorService> CURRENT = new ThreadLocal<>();

    private AttemptScheduler() {
    }

    /** The running worker's scheduler, or null when the attempt runs outside a worker (a JobTester). */
    public static ScheduledExecutorService current() {
        return CURRENT.get();
    }

    /** Shows {@code scheduler} to the attempt about to run on this thread (null clears it); returns the one before. */
    public static ScheduledExecutorService show(ScheduledExecutorService scheduler) {
        ScheduledExecutorService before = CURRENT.get();
        if (scheduler == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(scheduler);
        }
        return before;
    }
}
