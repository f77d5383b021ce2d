package dev.apiary.impl.progress;

import dev.apiary.JobContext;
import dev.apiary.JobProgress;
import dev.apiary.spi.JobSource;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The progress reporter of one running job: passes reports to the job's source, at most one per {@link #INTERVAL}
 * (a report of 100% always), so that a handler reporting in a tight loop cannot flood the database. Jobs are found by
 * id while they run in this process; a report for any other job is dropped.
 *
 * <p>A runner shows the job it runs in its {@link Slot}, open while its task runs: starting a job is a write to the
 * slot, not an entry in a shared map, and a reporter is made only when a handler asks for one. Finding a job scans
 * the open slots, one per busy runner of the process: a cost paid by the handlers that report, not by every job.
 */
public final class ProgressTracker implements JobProgress {

    /** The shortest time between two writes of one job's progress. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);
    static final int MAX_MESSAGE = 200;

    private static final Logger LOG = Logger.getLogger(ProgressTracker.class.getName());
    private static final JobProgress NONE = (percent, message) -> { };
    /** The slots of the runners whose tasks run now: opened and closed by runners, scanned by handlers. */
    private static final Set<Slot> OPEN = ConcurrentHashMap.newKeySet();

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

    /** The reporter of {@code job} while it runs here, else one that does nothing. */
    public static JobProgress of(JobContext job) {
        if (job == null) {
            return NONE;
        }
        for (Slot slot : OPEN) {
            JobContext running = slot.job;
            if (running != null && running.id().equals(job.id())) {
                return slot.reporterOf(running);
            }
        }
        return NONE;
    }

    /** Whether {@code job} runs in this process and its runner was told it was cancelled. */
    public static boolean isCancelled(JobContext job) {
        if (job == null) {
            return false;
        }
        for (Slot slot : OPEN) {
            JobContext running = slot.job;
            if (running != null && running.id().equals(job.id())) {
                return slot.cancelled == running;
            }
        }
        return false;
    }

    /**
     * Where one runner shows the job it runs now; reused for all its jobs. The runner writes {@link #start} and
     * {@link #end}; handlers read it through {@link ProgressTracker#of}.
     */
    public static final class Slot {
        private final JobSource<?> source;
        /** The job running now, or null between jobs. */
        private volatile JobContext job;
        /** The attempt whose cancel reached the runner; compared by identity with {@link #job}. */
        private volatile JobContext cancelled;
        /** The reporter of one attempt, made when first asked for; a later attempt replaces it. */
        private final AtomicReference<ProgressTracker> reporter = new AtomicReference<>();

        /** A slot for jobs of {@code source}, where their progress is written. */
        public Slot(JobSource<?> source) {
            this.source = source;
        }

        /** Makes the slot's jobs findable until the returned handle is closed. */
        public Tracking open() {
            OPEN.add(this);
            return () -> {
                job = null;
                OPEN.remove(this);
            };
        }

        /** {@code attempt} runs in this slot now. */
        public void start(JobContext attempt) {
            job = attempt;
        }

        /** {@code attempt} was cancelled: {@link ProgressTracker#isCancelled} says so while it runs. */
        public void cancel(JobContext attempt) {
            cancelled = attempt;
        }

        /** The attempt started last has ended: reports for it are dropped from now on. */
        public void end() {
            job = null;
        }

        /** The one reporter of {@code attempt}, so that its throttle holds across every {@code of} call. */
        private ProgressTracker reporterOf(JobContext attempt) {
            while (true) {
                ProgressTracker now = reporter.get();
                if (now != null && now.job == attempt) {
                    return now;
                }
                ProgressTracker made = new ProgressTracker(source, attempt);
                if (reporter.compareAndSet(now, made)) {
                    return made;
                }
            }
        }
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
