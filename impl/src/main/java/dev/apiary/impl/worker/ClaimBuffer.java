package dev.apiary.impl.worker;

import dev.apiary.Job;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The jobs an instance holds: claimed ones waiting for a runner, and a count of all claimed but not yet finished
 * (the slots in use). The poller adds, runners take and finish, a stop hands back what was not taken.
 */
final class ClaimBuffer<T> {

    private static final int MAX_CHUNK = 32;

    private final int concurrency;
    /** How many jobs the instance may hold at once: runners plus prefetch. */
    private final int capacity;
    /** Below this many buffered jobs a runner claims more ahead of need. */
    private final int lowWater;
    /** Written by the poller (add) and runners or a stop (take); guarded by itself. */
    private final ArrayDeque<Job<T>> jobs = new ArrayDeque<>();
    /** The size of {@link #jobs}, readable without its lock; written with it held. Read by runners and the poller. */
    private final AtomicInteger buffered = new AtomicInteger();
    /** Claimed and not finished; raised by the poller, lowered by runners and a stop; read by snapshots. */
    private final AtomicInteger held = new AtomicInteger();

    ClaimBuffer(int concurrency, int prefetch) {
        this.concurrency = concurrency;
        this.capacity = concurrency + prefetch;
        this.lowWater = Math.max(1, (concurrency + prefetch) / 2);
    }

    /** How many more jobs a claim may take now; zero or less when every slot is held. */
    int free() {
        return capacity - held.get();
    }

    /**
     * Counts {@code count} freshly claimed jobs as held, before they are {@linkplain #add added}: so that the
     * instance turns engaged before any runner can finish one of them and turn it idle.
     *
     * @return whether the instance held no job before (it turns engaged)
     */
    boolean hold(int count) {
        return held.getAndAdd(count) == 0;
    }

    /** Adds freshly claimed jobs, already {@linkplain #hold held}, for runners to take. */
    void add(List<Job<T>> claimed) {
        synchronized (jobs) {
            jobs.addAll(claimed);
            buffered.addAndGet(claimed.size());
        }
    }

    /**
     * Takes a job and, when many wait, a share of the others into {@code chunk}, so that a busy runner touches the
     * shared buffer once per chunk rather than once per job. With few buffered jobs (no prefetch, long jobs) the
     * share is one, and free runners are never kept waiting behind a busy one. No chunk when {@code chunk} is null.
     */
    Job<T> take(ArrayDeque<Job<T>> chunk) {
        synchronized (jobs) {
            Job<T> job = jobs.pollFirst();
            if (job == null) {
                return null;
            }
            int share = chunk == null ? 0 : Math.min(MAX_CHUNK, jobs.size() / concurrency);
            if (share > 0) {
                // lock order: buffer, then a runner's chunk
                synchronized (chunk) {
                    for (int i = 0; i < share; i++) {
                        chunk.addLast(jobs.pollFirst());
                    }
                }
            }
            buffered.addAndGet(-1 - share);
            return job;
        }
    }

    boolean isEmpty() {
        return buffered.get() == 0;
    }

    /** Whether the buffer is low enough that a runner should claim ahead of need. */
    boolean isLow() {
        return buffered.get() < lowWater;
    }

    /**
     * Frees the slots of {@code count} finished or handed-back jobs.
     *
     * @return whether the instance now holds no job (it turns idle)
     */
    boolean finished(int count) {
        return held.addAndGet(-count) == 0;
    }

    int held() {
        return held.get();
    }
}
