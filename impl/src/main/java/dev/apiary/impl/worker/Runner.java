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

    private final WorkerInstance<T> owner;
    private final ClaimBuffer<T> buffer;
    private final Poller<T> poller;
    private final Settler<T> settler;
    private final LayerChain<T> chain;
    private final Map<Class<?>, Object> data;

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

    Runner(WorkerInstance<T> owner, ClaimBuffer<T> buffer, Poller<T> poller, Settler<T> settler,
           LayerChain<T> chain, Map<Class<?>, Object> data) {
        this.owner = owner;
        this.buffer = buffer;
        this.poller = poller;
        this.settler = settler;
        this.chain = chain;
        this.data = data;
        this.progress = new ProgressTracker.Slot(owner.source());
    }

    /** Starts a task for this runner unless one is already active. */
    void activate() {
        if (active.compareAndSet(false, true) && !owner.submit(this)) {
            active.set(false);
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        ProgressTracker.Tracking shown = progress.open();
        int ran = 0;
        try {
            while (true) {
                Job<T> job = next();
                if (job == null) {
                    // the chunk is done: write its outcomes and free its slots before looking for more
                    settler.settleLater(outcomes);
                    owner.finished(ran);
                    ran = 0;
                    job = take();
                    if (poller.mayHaveMore() && buffer.isLow()) {
                        // refill before the buffer runs dry, so runners rarely wait for a claim; a no-op if
                        // another thread is claiming already
                        poller.claimInline();
                    }
                    while (job == null && poller.claiming() && poller.mayHaveMore() && !owner.stopping()) {
                        // another thread is claiming: yield to it rather than give our thread back, since a
                        // new task for this runner would cost a thread hand-off per batch. Only while a claim
                        // really runs: a poll task that is merely queued may wait behind this very runner on a
                        // small pool (WildFly's default managed executor), and spinning for it starved it.
                        Thread.yield();
                        job = take();
                    }
                    if (job == null) {
                        job = take();
                    }
                    if (job == null) {
                        // nothing buffered and no claim possible now; whoever claims next starts runners again
                        break;
                    }
                }
                current.set(job);
                Outcome outcome = invoke(job);
                boolean ours;
                synchronized (handOver) {
                    ours = current.compareAndSet(job, null);
                }
                if (ours) {
                    settler.record(job, outcome, outcomes);
                } else {
                    // a stop handed the job back and interrupted us: drop the outcome and the interrupt
                    Thread.interrupted();
                }
                ran++;
            }
        } finally {
            shown.close();
            settler.settleLater(outcomes);
            owner.finished(ran);
            thread = null;
            active.set(false);
        }
        if (!buffer.isEmpty()) {
            activate();
        }
    }

    /** Runs one attempt through the layers, in its span: current for the layers and the handler. */
    private Outcome invoke(Job<T> job) {
        Telemetry.Attempt attempt = owner.telemetry().attempt(owner.definition().name(), job.context());
        Outcome outcome;
        Throwable thrown = null;
        progress.start(job.context());
        ScheduledExecutorService shownBefore = AttemptScheduler.show(owner.scheduler());
        try {
            outcome = chain.invoke(data.isEmpty() ? job : job.withData(data));
        } catch (Throwable t) {
            // the worker's last guard: whatever the layers let through fails the job, never the worker
            thrown = t;
            outcome = Outcome.failed(t);
        } finally {
            AttemptScheduler.show(shownBefore);
            progress.end();
        }
        attempt.end(outcome, thrown);
        return outcome;
    }

    /** No chunks once stopping: what a runner has not started must be easy to hand back. */
    private Job<T> take() {
        return buffer.take(owner.stopping() ? null : chunk);
    }

    private Job<T> next() {
        synchronized (chunk) {
            return owner.stopping() ? null : chunk.pollFirst();
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
