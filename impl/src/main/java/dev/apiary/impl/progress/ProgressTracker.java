package dev.apiary.impl.progress;

import dev.apiary.JobContext;
import dev.apiary.JobProgress;
import dev.apiary.spi.JobSource;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The progress reporter of one running job: passes reports to the job's source, at most one per {@link #INTERVAL}
 * (a report of 100% always), so that a handler reporting in a tight loop cannot flood the database. Jobs are found by
 * id while they run in this process; a report for any other job is dropped.
 */
public final class ProgressTracker implements JobProgress {

    /** The shortest time between two writes of one job's progress. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);
    static final int MAX_MESSAGE = 200;

    private static final Logger LOG = Logger.getLogger(ProgressTracker.class.getName());
    private static final JobProgress NONE = (percent, message) -> { };
    /** The jobs running in this process, by id: written by the runner around each attempt, read by handlers. */
    private static final Map<String, ProgressTracker> RUNNING = new ConcurrentHashMap<>();

    private final JobSource<?> source;
    private final JobContext job;
    /** System.nanoTime() of the last write; guarded by this. */
    private long lastWrite;
    private boolean written;
    private volatile boolean failing;

    private ProgressTracker(JobSource<?> source, JobContext job) {
        this.source = source;
        this.job = job;
    }

    /** Makes {@code job}'s progress reportable until the returned handle is closed (after the attempt). */
    public static Tracking track(JobSource<?> source, JobContext job) {
        ProgressTracker tracker = new ProgressTracker(source, job);
        RUNNING.put(job.id(), tracker);
        return () -> RUNNING.remove(job.id(), tracker);
    }

    /** The reporter of {@code job} while it runs here, else one that does nothing. */
    public static JobProgress of(JobContext job) {
        ProgressTracker tracker = job == null ? null : RUNNING.get(job.id());
        return tracker == null ? NONE : tracker;
    }

    @Override
    public void report(int percent, String message) {
        int clamped = Math.max(0, Math.min(100, percent));
        String text = message == null || message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE);
        synchronized (this) {
            long now = System.nanoTime();
            if (written && clamped < 100 && now - lastWrite < INTERVAL.toNanos()) {
                return;
            }
            written = true;
            lastWrite = now;
        }
        try {
            source.progress(job, clamped, text);
            failing = false;
        } catch (RuntimeException e) {
            // progress is for display: a failed write must not fail the job; logged once per failure streak
            if (!failing) {
                failing = true;
                LOG.log(Level.WARNING, "Could not store the progress of job " + job.id() + " of queue '"
                        + job.queue() + "' (later failures of this job are not logged): " + e.getMessage(), e);
            }
        }
    }

    /** Ends the tracking of one attempt. */
    public interface Tracking extends AutoCloseable {
        @Override
        void close();
    }
}
