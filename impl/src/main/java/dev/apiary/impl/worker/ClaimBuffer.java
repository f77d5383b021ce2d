package dev.apiary.impl.worker;

import dev.apiary.Job;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * The jobs an instance holds: claimed ones waiting for a runner, and a count of all claimed but not yet finished
 * (the slots in use). The poller adds, runners take and finish, a stop hands back what was not taken.
 *
 * <p>How many jobs an instance may hold beyond its runners (the prefetch) is the user's {@code prefetch} when set.
 * Otherwise it follows the load: enough buffered jobs to keep the runners busy while the next claim is under way,
 * that is the rate at which runners finish jobs times the time a claim takes, with a margin, up to
 * {@link #MAX_ADAPTIVE_PREFETCH}. Long jobs finish slowly, so a worker of long jobs claims only for its free slots
 * and leaves the rest of a backlog to other nodes; thousands of short jobs make it claim hundreds at a time, one
 * round trip (and one disk flush) for many jobs.
 *
 * <p>For a storage the prefetch covers the slow claims (see {@link #adapt}). A message queue keeps it to the average
 * claim: each message asked for ahead holds a consumer, and on a server a session of the broker's pool, which a
 * prefetch held up by one slow claim would drain.
 */
final class ClaimBuffer<T> {

    private static final int MAX_CHUNK = 32;
    /** The most an adapted prefetch grows to. */
    static final int MAX_ADAPTIVE_PREFETCH = 1000;
    /** Buffered jobs should last this many claim round trips: the claim starts at half the buffer, plus jitter. */
    private static final double CLAIMS_AHEAD = 4;
    /**
     * The longest claim time the estimate takes in: a claim that waited out a database outage or a hung connection
     * says nothing about the claims to come, and would hold a large prefetch for many claims after.
     */
    private static final long MAX_CLAIM_ESTIMATE_NANOS = 250_000_000;
    /** The shortest time over which the rate of finished jobs is measured. */
    private static final long MIN_RATE_WINDOW_NANOS = 20_000_000;

    private final int concurrency;
    /** Whether the prefetch follows the load (the user set none). */
    private final boolean adaptive;
    /** Whether the adapted prefetch covers the slow claims (a storage) or the average one (a message queue). */
    private final boolean coverSlowClaims;
    /** Jobs to hold beyond the runners now; written by the poller ({@link #adapt}), read by it and runners. */
    private volatile int prefetch;
    /** Written by the poller (add) and runners or a stop (take); guarded by itself. */
    private final ArrayDeque<Job<T>> jobs = new ArrayDeque<>();
    /** The size of {@link #jobs}, readable without its lock; written with it held. Read by runners and the poller. */
    private final AtomicInteger buffered = new AtomicInteger();
    /** Claimed and not finished; raised by the poller, lowered by runners and a stop; read by snapshots. */
    private final AtomicInteger held = new AtomicInteger();
    /** Jobs finished (or handed back) since the start; raised by runners and a stop, read by the poller. */
    private final LongAdder finishedTotal = new LongAdder();
    /** The poller's estimates, smoothed over claims; replaced whole by {@link #adapt}, which only the poller calls. */
    private Estimate estimate = Estimate.NONE;
    /** Runners waiting in {@link #awaitClaim} for the claim under way; guarded by {@link #jobs}. */
    private int waiting;

    /**
     * What the poller knew at its last claim.
     *
     * @param rate       finished jobs per nanosecond, smoothed; 0 before two claims
     * @param claimNanos how long a claim takes, smoothed; 0 before the first
     * @param at         the monotonic clock at the last claim; 0 before the first
     * @param finished   jobs finished (in total) by then
     */
    private record Estimate(double rate, double claimNanos, long at, long finished) {
        static final Estimate NONE = new Estimate(0, 0, 0, 0);
    }

    /** A buffer whose adapted prefetch covers the slow claims, as a storage's should. */
    ClaimBuffer(int concurrency, int prefetch) {
        this(concurrency, prefetch, true);
    }

    /**
     * @param prefetch        the user's prefetch, or negative to let it follow the load
     * @param coverSlowClaims whether an adapted prefetch covers the slow claims (a storage's jobs) or only the
     *                        average one (a message queue's messages, each of which holds a consumer while it waits)
     */
    ClaimBuffer(int concurrency, int prefetch, boolean coverSlowClaims) {
        this.concurrency = concurrency;
        this.adaptive = prefetch < 0;
        this.coverSlowClaims = coverSlowClaims;
        this.prefetch = Math.max(0, prefetch);
    }

    /** How many more jobs a claim may take now; zero or less when every slot is held. */
    int free() {
        return concurrency + prefetch - held.get();
    }

    /** How many runners hold no job: what a claim may take when buffering ahead would hold slots of a limit. */
    int idleRunners() {
        return concurrency - held.get();
    }

    /**
     * Called by the poller after each claim, with how long the claim took: re-estimates the rate at which runners
     * finish jobs and sizes an adaptive prefetch to it.
     *
     * <p>The prefetch must cover the slow claims, not the average one: claim times on a busy database vary tenfold
     * from one claim to the next, and a prefetch sized to a fast claim that was followed by a slow one left the
     * runners without jobs for the rest of it. So the claim time estimate rises at once to a slower claim and comes
     * down by an eighth of the difference per faster one (a claim counts for at most a quarter of a second); and the
     * rate is measured over at least
     * {@link #MIN_RATE_WINDOW_NANOS}, since two claims in quick succession say little about it.
     *
     * <p>For a message queue the estimate averages the last two claim times, and measures the rate from one claim to
     * the next.
     */
    void adapt(long claimTookNanos, long now) {
        if (!adaptive) {
            return;
        }
        long finished = finishedTotal.sum();
        Estimate last = estimate;
        double rate = last.rate();
        long at = last.at();
        long counted = last.finished();
        if (at == 0) {
            at = now;
            counted = finished;
        } else if (now - at >= (coverSlowClaims ? MIN_RATE_WINDOW_NANOS : 1)) {
            double recent = (double) (finished - counted) / (now - at);
            rate = rate == 0 ? recent : (rate + recent) / 2;
            at = now;
            counted = finished;
        }
        double claimNanos = coverSlowClaims ? coveringSlowClaims(last.claimNanos(), claimTookNanos)
                : last.claimNanos() == 0 ? claimTookNanos : (last.claimNanos() + claimTookNanos) / 2;
        estimate = new Estimate(rate, claimNanos, at, counted);
        prefetch = (int) Math.min(MAX_ADAPTIVE_PREFETCH, CLAIMS_AHEAD * rate * claimNanos);
    }

    /** A storage's claim time estimate: up at once to a slower claim, down by an eighth of the way to a faster one. */
    private static double coveringSlowClaims(double lastNanos, long tookNanos) {
        long took = Math.min(tookNanos, MAX_CLAIM_ESTIMATE_NANOS);
        return lastNanos == 0 || took > lastNanos ? took : lastNanos + (took - lastNanos) / 8;
    }

    /** Jobs held beyond the runners now (the adapted prefetch). */
    int prefetch() {
        return prefetch;
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
            if (waiting > 0) {
                jobs.notifyAll();
            }
        }
    }

    /**
     * Waits, without holding a core, until jobs are buffered, {@code claimUnderWay} turns false or {@code maxMillis}
     * pass. A runner that found the buffer empty while a claim runs waits here for what it brings rather than giving
     * its thread back (a hand-off per batch) or spinning, which on a small machine took the cores the database
     * needed to answer that very claim.
     *
     * @return false if the thread was interrupted (its flag is set again): the runner stops waiting
     */
    boolean awaitClaim(BooleanSupplier claimUnderWay, long maxMillis) {
        synchronized (jobs) {
            if (!jobs.isEmpty() || !claimUnderWay.getAsBoolean()) {
                return true;
            }
            waiting++;
            try {
                jobs.wait(maxMillis);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                waiting--;
            }
        }
    }

    /** The claim under way ended, with or without jobs: wakes the runners waiting for it. */
    void claimEnded() {
        synchronized (jobs) {
            if (waiting > 0) {
                jobs.notifyAll();
            }
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

    /**
     * Whether the buffer is low enough that a runner should claim ahead of need: below half of the prefetch, so that
     * a claim then takes at least the other half (with busy runners, a claim may take the prefetch less what is
     * buffered). Without a prefetch, only when the buffer is empty. For a message queue: below half of what the
     * instance may hold, runners and prefetch together.
     */
    boolean isLow() {
        int mark = coverSlowClaims ? (prefetch + 1) / 2 : (concurrency + prefetch) / 2;
        return buffered.get() < Math.max(1, mark);
    }

    /**
     * Frees the slots of {@code count} finished or handed-back jobs.
     *
     * @return whether the instance now holds no job (it turns idle)
     */
    boolean finished(int count) {
        finishedTotal.add(count);
        return held.addAndGet(-count) == 0;
    }

    int held() {
        return held.get();
    }
}
