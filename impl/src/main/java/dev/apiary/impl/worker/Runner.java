package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.impl.layer.AttemptScheduler;
import dev.apiary.impl.layer.LayerChain;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.impl.progress.ProgressTracker;
import dev.apiary.spi.Settlement;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One of an instance's {@code concurrency} slots. While active it is a task on the executor that takes claimed
 * jobs from the buffer, runs each through the layers to the handler and hands the outcomes to the settler; it
 * asks the poller for more when the buffer runs low, and ends (giving its thread back) when there is nothing left,
 * so no thread is held by an idle worker.
 *
 * <p>A running job belongs to whoever clears {@link #current}: the runner (which settles it) or a stop's
 * {@link #takeBack} (which hands it back), never both.
 */
final class Runner<T> implements Runnable {

    /** Yields before a runner waiting for a claim parks: about what an in-memory claim takes. */
    private static final int SPINS_BEFORE_WAIT = 16;
    /** The longest a runner waits for a claim before it looks again (the claim's end wakes it sooner). */
    private static final long MAX_CLAIM_WAIT_MILLIS = 50;

    /** What a runner tells the instance, and asks it: settling, freeing slots and claiming ahead. */
    interface Callbacks<T> {
        /** Whether the instance stops: a runner then starts nothing more it took. */
        boolean stopping();

        /** Adds the settlement of one finished attempt to the runner's {@code outcomes}, and reports it. */
        void record(Job<T> job, Outcome outcome, List<Settlement> outcomes);

        /** A chunk of {@code ran} jobs is over: their {@code outcomes} go to be written (and are cleared), their slots free. */
        void chunkDone(List<Settlement> outcomes, int ran);

        /** Claims more on this thread when the buffer runs low and the source may have more; a no-op while a claim runs. */
        void claimAhead();

        /** Whether a claim is under way that may bring more jobs, so a runner that found none may wait a moment for it. */
        boolean claimUnderWay();

        /** The runner found nothing to run and gives its thread back: a claim should follow if the source may have more. */
        default void leaving() {
        }

        /** {@code job} was cancelled while it ran, and its handler has returned {@code outcome}, which is dropped. */
        default void cancelled(Job<T> job, Outcome outcome) {
        }
    }

    private final StageContext<T> context;
    private final ClaimBuffer<T> buffer;
    private final LayerChain<T> chain;
    private final Callbacks<T> callbacks;

    /** Whether a task of this runner is submitted or running; set by whoever activates it, cleared by the task. */
    private final AtomicBoolean active = new AtomicBoolean();
    /** The job running now; set and cleared by the runner's task, taken by a stop. */
    private final AtomicReference<Job<T>> current = new AtomicReference<>();
    /** Jobs taken from the buffer beyond the one running; filled and drained by the task, emptied by a stop. */
    private final ArrayDeque<Job<T>> chunk = new ArrayDeque<>();
    /** Shows the running job to its handler's progress reports; open while the task runs, written by the task. */
    private final ProgressTracker.Slot progress;
    /** Settlements of the current chunk; used by the runner's task only. */
    private final List<Settlement> outcomes = new ArrayList<>();
    /** The task's thread while it runs, for a stop to interrupt. */
    private volatile Thread thread;
    /**
     * Held by a stop from taking the job to interrupting its thread, and by the runner while it clears the job, so
     * that an interrupt lands while the thread is still this runner's: a thread the runner gave back to the pool
     * may already run another task.
     */
    private final Object handOver = new Object();
    /** The running job once a cancel reached it; guarded by {@link #handOver}. */
    private Job<T> cancelled;

    Runner(StageContext<T> context, ClaimBuffer<T> buffer, LayerChain<T> chain, Callbacks<T> callbacks) {
        this.context = context;
        this.buffer = buffer;
        this.chain = chain;
        this.callbacks = callbacks;
        this.progress = new ProgressTracker.Slot(context.source());
    }

    /** Starts a task for this runner unless one is already active. */
    void activate() {
        if (active.compareAndSet(false, true) && !context.threads().submit(this)) {
            active.set(false);
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        ProgressTracker.Tracking shown = progress.open();
        // shown for the whole task rather than around each attempt: a thread-local write per job cost more than
        // the rest of a no-op job's run on this thread
        ScheduledExecutorService shownBefore = AttemptScheduler.show(context.threads().scheduler());
        int ran = 0;
        try {
            while (true) {
                Job<T> job = next();
                if (job == null) {
                    // the chunk is done: write its outcomes and free its slots before looking for more
                    callbacks.chunkDone(outcomes, ran);
                    ran = 0;
                    job = take();
                    // refill before the buffer runs dry, so runners rarely wait for a claim
                    callbacks.claimAhead();
                    int spins = 0;
                    while (job == null && callbacks.claimUnderWay() && !callbacks.stopping()) {
                        // another thread is claiming: wait for what it brings rather than give our thread back,
                        // since a new task for this runner would cost a thread hand-off per batch. A few yields
                        // first (an in-memory claim ends within them), then a wait that holds no core: spinning
                        // through a database's round trip took the cores the database needed to answer it. Only
                        // while a claim really runs: a poll task that is merely queued may wait behind this very
                        // runner on a small pool (WildFly's default managed executor).
                        if (spins++ < SPINS_BEFORE_WAIT) {
                            Thread.yield();
                        } else if (!buffer.awaitClaim(callbacks::claimUnderWay, MAX_CLAIM_WAIT_MILLIS)) {
                            break;
                        }
                        job = take();
                    }
                    if (job == null) {
                        job = take();
                    }
                    if (job == null) {
                        // nothing buffered and no claim under way: whoever claims next starts runners again. The
                        // claim this runner asked for may have been dropped while another ran, whose jobs the other
                        // runners have taken meanwhile; then no one would claim before the next scheduled poll
                        callbacks.leaving();
                        break;
                    }
                }
                current.set(job);
                Outcome outcome = invoke(job);
                boolean ours;
                boolean wasCancelled;
                synchronized (handOver) {
                    ours = current.compareAndSet(job, null);
                    wasCancelled = cancelled == job;
                    cancelled = null;
                }
                if (wasCancelled) {
                    // the storage holds the job as cancelled already: drop the outcome, and the interrupt the
                    // handler may have left, so that the next job starts on a thread that is not interrupted
                    Thread.interrupted();
                    callbacks.cancelled(job, outcome);
                } else if (ours) {
                    callbacks.record(job, outcome, outcomes);
                } else {
                    // a stop handed the job back and interrupted us: drop the outcome and the interrupt
                    Thread.interrupted();
                }
                ran++;
            }
        } finally {
            AttemptScheduler.show(shownBefore);
            shown.close();
            callbacks.chunkDone(outcomes, ran);
            thread = null;
            active.set(false);
        }
        if (!buffer.isEmpty()) {
            activate();
        }
    }

    /** Runs one attempt through the layers, in its span: current for the layers and the handler. */
    private Outcome invoke(Job<T> job) {
        Telemetry.Attempt attempt = context.telemetry().attempt(context.definition().name(), job.context());
        Outcome outcome;
        Throwable thrown = null;
        progress.start(job.context());
        try {
            Map<Class<?>, Object> data = context.definition().data();
            outcome = chain.invoke(data.isEmpty() ? job : job.withData(data));
        } catch (Throwable t) {
            // the worker's last guard: whatever the layers let through fails the job, never the worker
            thrown = t;
            outcome = Outcome.failed(t);
        } finally {
            progress.end();
        }
        boolean wasCancelled;
        synchronized (handOver) {
            wasCancelled = cancelled == job;
        }
        if (wasCancelled) {
            attempt.endCancelled(outcome, thrown);
        } else {
            attempt.end(outcome, thrown);
        }
        return outcome;
    }

    /** No chunks once stopping: what a runner has not started must be easy to hand back. */
    private Job<T> take() {
        return buffer.take(callbacks.stopping() ? null : chunk);
    }

    private Job<T> next() {
        synchronized (chunk) {
            return callbacks.stopping() ? null : chunk.pollFirst();
        }
    }

    /** Adds the ids of the jobs this runner took but has not started to {@code ids}, and forgets them. */
    void handBackChunk(List<String> ids) {
        synchronized (chunk) {
            for (Job<T> job : chunk) {
                ids.add(job.id());
            }
            chunk.clear();
        }
    }

    /** The id of the job running now, or null. */
    String runningJob() {
        Job<T> job = current.get();
        return job == null ? null : job.id();
    }

    /**
     * Interrupts the running job if it is one of {@code ids}, and shows it as cancelled to its handler; the runner
     * then drops its outcome.
     *
     * @return whether it did
     */
    boolean cancel(Set<String> ids) {
        synchronized (handOver) {
            Job<T> job = current.get();
            if (job == null || !ids.contains(job.id()) || cancelled == job) {
                return false;
            }
            cancelled = job;
            progress.cancel(job.context());
            Thread t = thread;
            if (t != null) {
                // the runner has not cleared the job yet, so it will clear this interrupt before it goes on
                t.interrupt();
            }
            return true;
        }
    }

    /** Takes the running job away from the runner (for a stop); null if none runs. */
    Job<T> takeBack() {
        synchronized (handOver) {
            Job<T> job = current.getAndSet(null);
            Thread t = thread;
            if (job != null && t != null) {
                // the runner has not cleared the job yet, so it will clear this interrupt before it goes on
                t.interrupt();
            }
            return job;
        }
    }
}
