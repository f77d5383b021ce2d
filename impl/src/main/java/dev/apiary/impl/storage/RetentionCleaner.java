package dev.apiary.impl.storage;

import dev.apiary.spi.JobStorage;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Removes finished jobs (done, failed, killed) once they are older than a retention, on a schedule. Works with any
 * {@link JobStorage}; every node may run one, since a purge is a plain conditional delete.
 *
 * <pre>{@code
 * RetentionCleaner cleaner = RetentionCleaner.start(scheduler, Duration.ofDays(7), Duration.ofHours(1),
 *         List.of(emails, reports));
 * ...
 * cleaner.close();
 * }</pre>
 *
 * In a container there is no code to write: the keys {@code apiary.storage.retention} (every queue) and
 * {@code apiary.queues.<queue>.retention} start one for the application's storages on the
 * {@code ManagedScheduledExecutorService}. Elsewhere pass any scheduler; the cleaner never blocks a thread between
 * runs.
 */
public final class RetentionCleaner implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RetentionCleaner.class.getName());

    private final Duration retention;
    private final List<JobStorage<?>> storages;
    private final Clock clock;
    private final ScheduledFuture<?> schedule;

    private RetentionCleaner(ScheduledExecutorService scheduler, Duration retention, Duration interval,
                             List<? extends JobStorage<?>> storages, Clock clock) {
        if (retention.isNegative()) {
            throw new IllegalArgumentException("retention must not be negative, was " + retention);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        this.retention = retention;
        this.storages = List.copyOf(storages);
        this.clock = clock;
        this.schedule = scheduler.scheduleWithFixedDelay(this::purge, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Purges jobs finished more than {@code retention} ago from each storage every {@code interval}. */
    public static RetentionCleaner start(ScheduledExecutorService scheduler, Duration retention, Duration interval,
                                         List<? extends JobStorage<?>> storages) {
        return new RetentionCleaner(Objects.requireNonNull(scheduler, "scheduler"),
                Objects.requireNonNull(retention, "retention"), Objects.requireNonNull(interval, "interval"),
                storages, Clock.systemUTC());
    }

    /** One pass over the storages; a failing storage is logged and the others are still purged. */
    public int purge() {
        int removed = 0;
        for (JobStorage<?> storage : storages) {
            try {
                removed += storage.purgeFinished(clock.instant().minus(retention));
            } catch (RuntimeException e) {
                // the scheduled task must survive a database outage; the next run tries again
                LOG.log(Level.WARNING, "Purging finished jobs of queue '" + storage.queue() + "' failed", e);
            }
        }
        return removed;
    }

    /** Stops the schedule; a purge in progress completes. */
    @Override
    public void close() {
        schedule.cancel(false);
    }
}
