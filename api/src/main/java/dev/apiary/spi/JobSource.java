package dev.apiary.spi;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.worker.WorkerSnapshot;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Where a worker gets its jobs and reports their outcomes: a storage, a message queue or a stream.
 * Implementations are thread-safe.
 *
 * @param <T> the payload type
 */
public interface JobSource<T> {

    /** The queue this source serves; also the name jobs are pushed under. */
    String queue();

    /**
     * Claims up to {@code max} due jobs for {@code workerId}, highest priority first, then earliest run-at.
     * A claimed job is held by that worker alone until it is settled, released or recovered as an orphan;
     * its attempt is counted on claim. A job whose payload cannot be decoded is killed here and not returned.
     */
    List<Job<T>> claim(String workerId, int max);

    /**
     * Writes back the outcomes of attempts; a settlement for a job the worker no longer holds is ignored. A source
     * that refuses what a settlement holds (text its store cannot keep) throws {@link dev.apiary.RecordRefusedException}:
     * the worker then finds that settlement and writes it cleaned, alone. Any other exception means nothing could be
     * written, and the worker retries the whole batch later.
     */
    void settle(List<Settlement> settlements);

    /**
     * How many {@link #settle} calls a worker instance may have under way at once (at least one). Several pay off
     * where a write waits for a disk, since commits that arrive together share one flush; a store in memory, where a
     * write would only wait for the others, is best written one at a time.
     */
    default int concurrentSettles() {
        return 4;
    }

    /** Hands jobs that a stopping worker could not finish back to the queue, without counting the attempt. */
    void release(String workerId, List<String> jobIds);

    /** Records that {@code workerId} is alive; its running jobs are safe from orphan recovery for one lease. */
    default void heartbeat(String workerId) {
    }

    /**
     * Records that an instance is alive, with what a dashboard shows of it (name, state, counters); a storage that
     * keeps only liveness records the heartbeat of its id.
     */
    default void heartbeat(WorkerSnapshot instance) {
        heartbeat(instance.instanceId());
    }

    /**
     * As {@link #heartbeat(WorkerSnapshot)}, with the instance's lease, so that a storage can show it as
     * {@linkplain WorkerRecord#LOST lost} once it has been silent for longer. An instance that stops gracefully
     * sends a last one in state {@code STOPPED}.
     */
    default void heartbeat(WorkerSnapshot instance, Duration lease) {
        heartbeat(instance);
    }

    /**
     * Stores the progress a running job reports, if {@code job}'s worker still holds that attempt; callers throttle.
     *
     * @return whether it was stored
     */
    default boolean progress(JobContext job, int percent, String message) {
        return false;
    }

    /**
     * Of {@code jobIds}, which {@code workerId} runs, those that were {@linkplain JobStorage#cancel cancelled}: the
     * worker interrupts them. Asked after a wake-up and with each heartbeat while the worker runs jobs.
     */
    default Set<String> cancelled(String workerId, Collection<String> jobIds) {
        return Set.of();
    }

    /**
     * Puts the running jobs of workers whose last heartbeat is older than {@code lease} back to pending
     * (the attempt stays counted).
     *
     * @return how many jobs were recovered
     */
    default int reenqueueOrphans(Duration lease) {
        return 0;
    }

    /**
     * Whether the source will never yield another job (a finished stream): a worker whose claim finds nothing and
     * who runs nothing then stops.
     */
    default boolean isExhausted() {
        return false;
    }

    /**
     * Calls {@code wakeup} whenever new work may be available (a push, a notification from another node), so that
     * idle workers need not wait for their next poll. The returned handle stops the calls.
     */
    default AutoCloseable onAvailable(Runnable wakeup) {
        return () -> { };
    }

    /**
     * Whether this node's last claim left a cap on running jobs that all nodes share at its limit (for the queue or a
     * key, see {@link dev.apiary.QueueLimits}): a worker then claims only for its idle runners, since a job buffered
     * ahead of them would hold a slot that another node could use. While no cap is reached, it prefetches.
     */
    default boolean runningCapReached() {
        return false;
    }

    /**
     * The executors of the monitor whose worker consumes this source, given before the worker's first claim: a
     * source that needs threads (a consumer waiting for a broker, a timer for a delayed retry) takes them from these,
     * so it starts no thread of its own and a stopped monitor leaves none behind. In a container they are the
     * managed executors. A source consumed by several instances gets the executors of each, those of one monitor.
     */
    default void useExecutors(Executor executor, ScheduledExecutorService scheduler) {
    }
}
