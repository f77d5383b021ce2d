package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.ResultTooLargeException;
import dev.apiary.impl.outcome.AttemptResult;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredText;
import dev.apiary.worker.WorkerEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns outcomes into settlements (the job's next state, decided once in {@link Settlement}) and writes them back
 * in batches: a runner settles on its own thread, one batch at most, and what is left goes to a settling task.
 * Up to the source's {@linkplain JobSource#concurrentSettles() concurrent settles} are under way at once, beside the
 * poller's claim: on a database that waits for its disk at each commit, transactions that commit together share one
 * flush, where one write at a time would wait for a flush of its own; in memory they would only wait for each other.
 * A write the source refuses for one settlement's data is split until that settlement is found ({@link SettleWrite}),
 * which is written cleaned or as a failure, so one refused outcome never holds back the others. A write that fails
 * otherwise (the source is down) keeps what it did not write and retries it, alone; a stop drains what is queued
 * one last time.
 */
final class Settler<T> {

    private static final Logger LOG = Logger.getLogger(WorkerInstance.class.getName());
    /** A write takes handed-in lists until it holds this many settlements (a list is never split). */
    private static final int SETTLE_BATCH = 512;
    private static final int SETTLE_GATHER = 64;
    static final Duration SETTLE_RETRY = Duration.ofSeconds(1);

    /** What the settler tells the instance, and asks it. */
    interface Callbacks {
        /** Reports what an attempt made of its job (or what was written in place of a refused outcome). */
        void publish(WorkerEvent.Kind kind, String jobId, Outcome outcome);

        /** Whether the instance stops: a failed write is then not retried, the stop drains what is left. */
        boolean stopping();
    }

    private final StageContext<T> context;
    private final ClaimBuffer<T> buffer;
    private final Callbacks callbacks;

    /**
     * Settlements not yet written, as the lists runners hand in (one queue node per chunk of jobs, not per job);
     * added by runners (and a failed write), taken by writers.
     */
    private final ConcurrentLinkedQueue<List<Settlement>> queued = new ConcurrentLinkedQueue<>();
    /** About how many settlements {@link #queued} holds; written with it, read by runners to decide when to write. */
    private final AtomicInteger queuedCount = new AtomicInteger();
    /** Writes under way at once, at most. */
    private final int maxWriters;
    /**
     * Threads writing settlements now (runners, settling tasks, the final drain): taken by {@link #tryWrite}, given
     * back by the writer; all of them while a failed write waits to retry, or the stop's final drain runs.
     */
    private final AtomicInteger writers = new AtomicInteger();
    /** Whether the last write failed, so an outage is logged once; written and read by writers. */
    private volatile boolean failing;

    Settler(StageContext<T> context, ClaimBuffer<T> buffer, Callbacks callbacks) {
        this.context = context;
        this.buffer = buffer;
        this.callbacks = callbacks;
        this.maxWriters = Math.max(1, context.source().concurrentSettles());
    }

    /** Adds the settlement of one finished attempt to a runner's {@code outcomes}, and reports it. */
    void record(Job<T> job, Outcome outcome, List<Settlement> outcomes) {
        Settlement settlement = new Settlement(job.context(), outcome);
        outcomes.add(settlement);
        // one event and one counter per attempt, after the state the settlement decided: a retry is not a failure
        switch (AttemptResult.of(settlement)) {
            case DONE -> {
                context.stats().done.increment();
                callbacks.publish(WorkerEvent.Kind.JOB_DONE, job.id(), outcome);
            }
            case RETRIED -> {
                context.stats().retried.increment();
                callbacks.publish(WorkerEvent.Kind.JOB_RETRIED, job.id(), outcome);
            }
            case FAILED -> {
                context.stats().failed.increment();
                callbacks.publish(WorkerEvent.Kind.JOB_FAILED, job.id(), outcome);
            }
            case KILLED -> {
                context.stats().failed.increment();
                callbacks.publish(WorkerEvent.Kind.JOB_KILLED, job.id(), outcome);
            }
            case CANCELLED -> throw new IllegalStateException("no settlement cancels a job");
        }
        FinalStateLog.settled(settlement);
    }

    /** Queues a runner's settlements and clears its list; may write a batch on the caller's thread. */
    void settleLater(List<Settlement> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        queued.add(new ArrayList<>(outcomes));
        // Settle on this thread, one batch at most, so no hand-off to another task is needed. While more jobs wait
        // in the buffer, let outcomes gather into a larger batch: one storage round trip (or lock) for many jobs.
        if ((queuedCount.addAndGet(outcomes.size()) >= SETTLE_GATHER || buffer.isEmpty()) && tryWrite()) {
            drain(1);
        }
        outcomes.clear();
    }

    /** Takes a writer's place, if one is free and no failed write waits to retry. */
    private boolean tryWrite() {
        while (true) {
            int now = writers.get();
            if (now >= maxWriters || failing) {
                return false;
            }
            if (writers.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    private void flush() {
        if (tryWrite() && !context.threads().submit(this::drainAll)) {
            writers.decrementAndGet();
        }
    }

    private void drainAll() {
        drain(Integer.MAX_VALUE);
    }

    /**
     * Writes queued settlements, up to {@code maxBatches} batches, then hands what is left to a task of its own;
     * runs only in a writer's place, which it gives back.
     */
    private void drain(int maxBatches) {
        List<Settlement> batch = new ArrayList<>(Math.min(SETTLE_BATCH, 64));
        for (int batches = 0; ; batches++) {
            if (batches == maxBatches) {
                if (!queued.isEmpty()) {
                    if (!context.threads().submit(this::drainAll)) {
                        writers.decrementAndGet();
                    }
                    return;
                }
                break;
            }
            batch.clear();
            List<Settlement> handedIn;
            while (batch.size() < SETTLE_BATCH && (handedIn = queued.poll()) != null) {
                batch.addAll(handedIn);
            }
            if (batch.isEmpty()) {
                break;
            }
            queuedCount.addAndGet(-batch.size());
            SettleWrite.Result written = SettleWrite.write(context.source(), batch);
            written.isolated().forEach(this::isolated);
            if (written.failure() == null) {
                if (failing) {
                    failing = false;
                    LOG.info(() -> "Worker " + context.instanceId() + " writes back job outcomes to queue '"
                            + context.queue() + "' again");
                }
            } else {
                RuntimeException e = written.failure();
                List<Settlement> unwritten = written.unwritten();
                queued.add(new ArrayList<>(unwritten));
                queuedCount.addAndGet(unwritten.size());
                context.stats().lastError = "Cannot settle " + unwritten.size() + " outcomes: " + e;
                // once per outage, not once per retry: a storage that is away for minutes would flood the log
                LOG.log(failing ? Level.FINE : Level.WARNING, "Worker " + context.instanceId() + " cannot write back "
                        + unwritten.size() + " job outcomes to queue '" + context.queue() + "'; it keeps them and"
                        + " retries every " + SETTLE_RETRY, e);
                failing = true;
                if (callbacks.stopping()) {
                    writers.decrementAndGet();
                    return;
                }
                // this writer keeps its place until the retry, and no other starts meanwhile (failing is set)
                context.threads().schedule(() -> {
                    if (!context.threads().submit(this::drainAll)) {
                        writers.decrementAndGet();
                    }
                }, SETTLE_RETRY);
                return;
            }
        }
        writers.decrementAndGet();
        if (!queued.isEmpty()) {
            flush();
        }
    }

    /**
     * Reports a settlement the source refused: once in the log, with what was written instead; and when that ends the
     * job otherwise than recorded (failed instead of done or retried), the counters and events follow what was written.
     */
    private void isolated(SettleWrite.Isolated isolated) {
        Settlement refused = isolated.refused();
        Settlement written = isolated.written();
        String id = refused.job().id();
        String original = refused.error() == null ? "" : "; the refused text began: "
                + StoredText.ascii(refused.error(), 300);
        String instead = written.status() == JobStatus.DONE ? "DONE without its result"
                : isolated.refusal() instanceof ResultTooLargeException ? "FAILED, its result too large"
                : SettleWrite.REFUSED_REASON.equals(written.error()) ? "FAILED with a fixed reason"
                : written.status() + " with its text in plain ASCII";
        context.stats().lastError = "The storage refused the outcome of job " + id + ": " + isolated.refusal();
        LOG.log(Level.WARNING, "Worker " + context.instanceId() + " could not write the outcome of job " + id
                + " to queue '" + context.queue() + "' as it was: the storage refused it. It wrote the job " + instead
                + " instead" + original, isolated.refusal());
        AttemptResult before = AttemptResult.of(refused);
        AttemptResult after = AttemptResult.of(written);
        if (before == after) {
            return;
        }
        switch (before) {
            case DONE -> context.stats().done.decrement();
            case RETRIED -> context.stats().retried.decrement();
            default -> context.stats().failed.decrement();
        }
        context.stats().failed.increment();
        callbacks.publish(WorkerEvent.Kind.JOB_FAILED, id, written.outcome());
        FinalStateLog.settled(written);
    }

    /**
     * The stop's last write: waits until {@code deadline} (the engine's monotonic clock) for a write under way, then
     * writes
     * what is queued.
     *
     * @return how many settlements could not be written
     */
    int drainFinally(long deadline) throws InterruptedException {
        // wait for the writes under way, then write
        boolean alone;
        while (!(alone = writers.compareAndSet(0, 1))) {
            if (context.threads().nanoTime() >= deadline) {
                break;
            }
            Thread.sleep(5);
        }
        if (!alone) {
            writers.incrementAndGet();
        }
        drainAll();
        return queued.stream().mapToInt(List::size).sum();
    }
}
