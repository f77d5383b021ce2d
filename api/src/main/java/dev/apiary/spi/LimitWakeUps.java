package dev.apiary.spi;

import dev.apiary.QueueLimits;

import java.time.Clock;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * For storages that enforce {@link QueueLimits}: wakes the queue's idle workers on this node when a limit may let
 * jobs through again, so that they need not wait for their next poll, which backs off while claims come back empty.
 * A settle frees a running slot; the next rate period starts at a known instant, on the scheduler of the monitor
 * whose workers consume the storage ({@link JobSource#useExecutors}). Thread-safe.
 */
public final class LimitWakeUps {

    private final Clock clock;
    private final Runnable wakeUp;
    private volatile ScheduledExecutorService scheduler;
    /** The period start (epoch millis) a wake-up is scheduled for, so that claims schedule it once. */
    private final AtomicLong scheduledFor = new AtomicLong();

    /** {@code wakeUp} calls the storage's local wake-up listeners. */
    public LimitWakeUps(Clock clock, Runnable wakeUp) {
        this.clock = clock;
        this.wakeUp = wakeUp;
    }

    /** The scheduler for wake-ups at the start of a rate period; without one, workers find it at their next poll. */
    public void useScheduler(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * After a settle: a running job ended, so a claim held back by a running cap may take one now. Only when the last
     * claim reached the cap ({@link JobSource#runningCapReached}): below it, workers claim as their buffers run low,
     * and a wake-up per settle would only split their claims into many small ones.
     */
    public void settled(boolean runningCapReached) {
        if (runningCapReached) {
            wakeUp.run();
        }
    }

    /** After a claim that took fewer than asked: with a rate, wakes the workers when the next period starts. */
    public void claimed(QueueLimits limits, int asked, int taken) {
        ScheduledExecutorService s = scheduler;
        if (taken >= asked || s == null || (limits.rate() == null && limits.ratePerKey() == null)) {
            return;
        }
        long period = Math.min(limits.rate() == null ? Long.MAX_VALUE : limits.rate().per().toMillis(),
                limits.ratePerKey() == null ? Long.MAX_VALUE : limits.ratePerKey().per().toMillis());
        long now = clock.millis();
        long next = (Math.floorDiv(now, period) + 1) * period;
        long before = scheduledFor.get();
        if (before >= next || !scheduledFor.compareAndSet(before, next)) {
            return;
        }
        try {
            s.schedule(wakeUp, next - now, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // a stopping monitor: nobody is left to wake
        }
    }
}
