package dev.apiary.impl.result;

import dev.apiary.ApiaryException;
import dev.apiary.AwaitTimeoutException;
import dev.apiary.JobNotFoundException;
import dev.apiary.JobResult;
import dev.apiary.JobStatus;
import dev.apiary.spi.JobStorage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The waits for jobs of one storage to become final. No waiter holds a thread: a wait is a future, a timeout task and
 * an entry here. A check reads the statuses of every job still waited for in one call
 * ({@link JobStorage#statuses}), reads the result of those that became final, and completes the waits that have all
 * they wait for. Checks run on the scheduler, one at a time per storage, when the storage signals a completion
 * ({@link JobStorage#onFinished}: a settle here, a PostgreSQL notification from another node), when a wait begins,
 * and every poll interval as a fallback for signals that cannot come or were lost. Signals that arrive during a check
 * make one more check, however many there were.
 */
public final class CompletionWaits {

    private static final Logger LOG = Logger.getLogger(CompletionWaits.class.getName());
    private static final int IDLE = 0;
    private static final int CHECKING = 1;
    private static final int CHECK_AGAIN = 2;

    private final JobStorage<?> storage;
    private final ScheduledExecutorService scheduler;
    private final Set<Wait<?>> waits = ConcurrentHashMap.newKeySet();
    /** {@link #IDLE}, {@link #CHECKING}, or {@link #CHECK_AGAIN} when a signal came during a check. */
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final AutoCloseable signals;
    private final ScheduledFuture<?> poll;
    private volatile boolean closed;
    /** Whether the last check failed, so that an outage is logged once; written by checks only. */
    private boolean failing;

    public CompletionWaits(JobStorage<?> storage, ScheduledExecutorService scheduler, Duration pollInterval) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.signals = storage.onFinished(this::signal);
        long nanos = pollInterval.toNanos();
        this.poll = scheduler.scheduleWithFixedDelay(() -> {
            if (!waits.isEmpty()) {
                signal();
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** Waits for every job of {@code ids}; see {@code Monitor.awaitAll}. */
    public <R> CompletionStage<List<JobResult<R>>> awaitAll(Collection<String> ids, Class<R> type,
                                                            Duration timeout) {
        Objects.requireNonNull(type, "type");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        Wait<R> wait = new Wait<>(List.copyOf(ids), type, timeout);
        if (wait.ids.isEmpty()) {
            wait.future.complete(List.of());
            return wait.future;
        }
        if (closed) {
            wait.future.completeExceptionally(stopped());
            return wait.future;
        }
        waits.add(wait);
        try {
            wait.timer = scheduler.schedule(wait::timeOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            wait.end(null, new ApiaryException("Cannot wait for jobs of queue '" + storage.queue() + "': the monitor's"
                    + " scheduler refused the timeout (" + e.getMessage() + ")", e));
            return wait.future;
        }
        // the jobs may have ended before anyone waited
        signal();
        return wait.future;
    }

    /** A completion may have happened: checks soon, once however many signals come meanwhile. */
    void signal() {
        if (closed || state.getAndUpdate(s -> s == IDLE ? CHECKING : CHECK_AGAIN) != IDLE) {
            return;
        }
        try {
            scheduler.execute(this::checkWhileSignalled);
        } catch (RejectedExecutionException e) {
            state.set(IDLE);
            LOG.log(Level.FINE, "A completion check of queue '" + storage.queue() + "' was refused", e);
        }
    }

    private void checkWhileSignalled() {
        do {
            state.set(CHECKING);
            check();
        } while (!state.compareAndSet(CHECKING, IDLE));
    }

    private void check() {
        if (waits.isEmpty()) {
            return;
        }
        Set<String> open = new LinkedHashSet<>();
        for (Wait<?> wait : waits) {
            open.addAll(wait.open());
        }
        Map<String, JobStatus> statuses;
        try {
            statuses = storage.statuses(open);
            if (failing) {
                failing = false;
                LOG.info(() -> "Waits for jobs of queue '" + storage.queue() + "' read the storage again");
            }
        } catch (RuntimeException e) {
            // the waits stay: the next signal or poll tries again, and their timeouts still end them
            LOG.log(failing ? Level.FINE : Level.WARNING, "Waits for jobs of queue '" + storage.queue() + "' cannot"
                    + " read their statuses; trying again at the next completion or poll", e);
            failing = true;
            return;
        }
        for (Wait<?> wait : waits) {
            wait.update(statuses);
        }
    }

    /** Ends every wait with an exception and stops signals and polls; later waits fail at once. */
    public void close() {
        closed = true;
        poll.cancel(false);
        try {
            signals.close();
        } catch (Exception e) {
            LOG.log(Level.FINE, "Stopping the completion signals of queue '" + storage.queue() + "' failed", e);
        }
        for (Wait<?> wait : waits) {
            wait.end(null, stopped());
        }
    }

    private ApiaryException stopped() {
        return new ApiaryException("The monitor stopped, which ends every wait for jobs of queue '" + storage.queue()
                + "'; the jobs go on: read them by id, or wait again on a running monitor");
    }

    /** One caller's wait; its methods run on the scheduler (checks and its timeout), the future is the caller's. */
    private final class Wait<R> {
        final List<String> ids;
        final Class<R> type;
        final Duration timeout;
        final CompletableFuture<List<JobResult<R>>> future = new CompletableFuture<>();
        final Map<String, JobResult<R>> finished = new ConcurrentHashMap<>();
        volatile ScheduledFuture<?> timer;

        Wait(List<String> ids, Class<R> type, Duration timeout) {
            this.ids = ids;
            this.type = type;
            this.timeout = timeout;
        }

        List<String> open() {
            List<String> open = new ArrayList<>();
            for (String id : ids) {
                if (!finished.containsKey(id)) {
                    open.add(id);
                }
            }
            return open;
        }

        void update(Map<String, JobStatus> statuses) {
            try {
                for (String id : open()) {
                    JobStatus status = statuses.get(id);
                    if (status == null) {
                        throw new JobNotFoundException(storage.queue(), id);
                    }
                    if (status.isFinal()) {
                        // a job deleted between the two reads is not found either
                        JobResult<R> result = storage.result(id, type)
                                .orElseThrow(() -> new JobNotFoundException(storage.queue(), id));
                        if (result.isFinal()) {
                            finished.put(id, result);
                        }
                    }
                }
            } catch (RuntimeException e) {
                end(null, e);
                return;
            }
            if (finished.size() == new LinkedHashSet<>(ids).size()) {
                List<JobResult<R>> results = new ArrayList<>(ids.size());
                for (String id : ids) {
                    results.add(finished.get(id));
                }
                end(results, null);
            }
        }

        void timeOut() {
            List<String> open = open();
            end(null, new AwaitTimeoutException(storage.queue(), open, ids.size(), timeout));
        }

        void end(List<JobResult<R>> results, Throwable failure) {
            if (!waits.remove(this)) {
                return;
            }
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            if (failure == null) {
                future.complete(List.copyOf(results));
            } else {
                future.completeExceptionally(failure);
            }
        }
    }
}
