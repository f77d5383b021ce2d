package dev.apiary.impl.storage;

import dev.apiary.CodecException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A thread-safe {@link JobStorage} in memory: one lock, a ready queue ordered by priority then run-at, and a delay
 * queue ordered by run-at. Jobs are lost when the process ends; for tests and single-process use.
 * Invariant: a job is in exactly one of the two queues if and only if it is pending.
 */
public final class InMemoryStorage<T> implements JobStorage<T> {

    private static final Logger LOG = Logger.getLogger(InMemoryStorage.class.getName());
    private static final Comparator<Entry<?>> CLAIM_ORDER = Comparator
            .comparingInt((Entry<?> e) -> -e.priority)
            .thenComparing(e -> e.runAt)
            .thenComparingLong(e -> e.seq);

    private final String queue;
    private final Class<T> payloadType;
    private final Codec codec;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Entry<T>> jobs = new HashMap<>();
    private final Map<String, Entry<T>> uniqueKeys = new HashMap<>();
    private final PriorityQueue<Entry<T>> ready = new PriorityQueue<>(CLAIM_ORDER);
    private final PriorityQueue<Entry<T>> delayed = new PriorityQueue<>(Comparator.comparing((Entry<T> e) -> e.runAt));
    private final Map<String, Instant> heartbeats = new HashMap<>();
    private final EnumMap<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private long sequence;

    public InMemoryStorage(String queue, Class<T> payloadType, Codec codec, Clock clock) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.payloadType = Objects.requireNonNull(payloadType, "payloadType");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (JobStatus status : JobStatus.values()) {
            counts.put(status, 0L);
        }
    }

    @Override
    public String queue() {
        return queue;
    }

    @Override
    public Class<T> payloadType() {
        return payloadType;
    }

    @Override
    public String push(T payload, JobOptions options) {
        String id;
        lock.lock();
        try {
            id = add(payload, options, clock.instant());
        } finally {
            lock.unlock();
        }
        wakeUp();
        return id;
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        List<String> ids = new ArrayList<>(payloads.size());
        lock.lock();
        try {
            Instant now = clock.instant();
            for (T payload : payloads) {
                ids.add(add(payload, options, now));
            }
        } finally {
            lock.unlock();
        }
        wakeUp();
        return ids;
    }

    private String add(T payload, JobOptions options, Instant now) {
        if (options.uniqueKey() != null) {
            Entry<T> holder = uniqueKeys.get(options.uniqueKey());
            if (holder != null && !holder.status.isFinal()) {
                return holder.id;
            }
        }
        Entry<T> e = new Entry<>();
        e.id = JobIds.next();
        e.seq = sequence++;
        e.payload = payload;
        e.maxAttempts = options.maxAttempts();
        e.priority = options.priority();
        e.enqueuedAt = now;
        e.runAt = options.runAt() == null ? now : options.runAt();
        e.uniqueKey = options.uniqueKey();
        e.metadata = options.metadata();
        e.status = JobStatus.PENDING;
        counts.merge(JobStatus.PENDING, 1L, Long::sum);
        jobs.put(e.id, e);
        if (e.uniqueKey != null) {
            uniqueKeys.put(e.uniqueKey, e);
        }
        enqueue(e, now);
        return e.id;
    }

    @Override
    public List<Job<T>> claim(String workerId, int max) {
        if (max <= 0) {
            return List.of();
        }
        lock.lock();
        try {
            Instant now = clock.instant();
            while (!delayed.isEmpty() && !delayed.peek().runAt.isAfter(now)) {
                ready.add(delayed.poll());
            }
            List<Job<T>> claimed = new ArrayList<>(Math.min(max, ready.size()));
            while (claimed.size() < max && !ready.isEmpty()) {
                Entry<T> e = ready.poll();
                setStatus(e, JobStatus.RUNNING);
                e.attempts++;
                e.workerId = workerId;
                e.lockedAt = now;
                claimed.add(new Job<>(e.payload, new JobContext(e.id, queue, e.attempts, e.maxAttempts, e.runAt,
                        e.priority, e.enqueuedAt, workerId, e.metadata)));
            }
            return claimed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void settle(List<Settlement> settlements) {
        boolean requeued = false;
        lock.lock();
        try {
            Instant now = clock.instant();
            for (Settlement s : settlements) {
                Entry<T> e = jobs.get(s.job().id());
                if (e == null || !holds(e, s.job())) {
                    continue;
                }
                e.workerId = null;
                e.lockedAt = null;
                Outcome outcome = s.outcome();
                if (outcome instanceof Outcome.Done) {
                    finish(e, JobStatus.DONE, null, now);
                } else if (outcome instanceof Outcome.Kill kill) {
                    finish(e, JobStatus.KILLED, kill.reason(), now);
                } else if (outcome instanceof Outcome.Failed failed) {
                    finish(e, JobStatus.FAILED, failed.error(), now);
                } else if (outcome instanceof Outcome.Retry retry) {
                    if (e.attempts >= e.maxAttempts) {
                        finish(e, JobStatus.FAILED, retry.error(), now);
                    } else {
                        e.lastError = retry.error();
                        e.runAt = retry.at();
                        setStatus(e, JobStatus.PENDING);
                        enqueue(e, now);
                        requeued = true;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (requeued) {
            wakeUp();
        }
    }

    private static boolean holds(Entry<?> e, JobContext job) {
        return e.status == JobStatus.RUNNING && Objects.equals(e.workerId, job.workerId())
                && e.attempts == job.attempt();
    }

    private void finish(Entry<T> e, JobStatus status, String error, Instant now) {
        setStatus(e, status);
        e.lastError = error;
        e.finishedAt = now;
    }

    @Override
    public void release(String workerId, List<String> jobIds) {
        lock.lock();
        try {
            Instant now = clock.instant();
            for (String id : jobIds) {
                Entry<T> e = jobs.get(id);
                if (e != null && e.status == JobStatus.RUNNING && workerId.equals(e.workerId)) {
                    e.attempts--;
                    e.workerId = null;
                    e.lockedAt = null;
                    setStatus(e, JobStatus.PENDING);
                    enqueue(e, now);
                }
            }
        } finally {
            lock.unlock();
        }
        wakeUp();
    }

    @Override
    public void heartbeat(String workerId) {
        lock.lock();
        try {
            heartbeats.put(workerId, clock.instant());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int reenqueueOrphans(Duration lease) {
        int recovered = 0;
        lock.lock();
        try {
            Instant now = clock.instant();
            Instant cutoff = now.minus(lease);
            for (Entry<T> e : jobs.values()) {
                if (e.status != JobStatus.RUNNING) {
                    continue;
                }
                Instant alive = heartbeats.getOrDefault(e.workerId, e.lockedAt);
                if (alive.isBefore(e.lockedAt)) {
                    alive = e.lockedAt;
                }
                if (alive.isBefore(cutoff)) {
                    e.workerId = null;
                    e.lockedAt = null;
                    e.lastError = "Recovered: its worker stopped heartbeating for longer than the lease of " + lease;
                    setStatus(e, JobStatus.PENDING);
                    enqueue(e, now);
                    recovered++;
                }
            }
        } finally {
            lock.unlock();
        }
        if (recovered > 0) {
            wakeUp();
        }
        return recovered;
    }

    @Override
    public AutoCloseable onAvailable(Runnable wakeup) {
        listeners.add(wakeup);
        return () -> listeners.remove(wakeup);
    }

    @Override
    public Optional<StoredJob<T>> find(String id) {
        lock.lock();
        try {
            Entry<T> e = jobs.get(id);
            return e == null ? Optional.empty() : Optional.of(view(e));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Map<JobStatus, Long> counts() {
        lock.lock();
        try {
            return Map.copyOf(counts);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public JobPage<T> list(JobQuery query) {
        lock.lock();
        try {
            List<Entry<T>> matching = new ArrayList<>();
            for (Entry<T> e : jobs.values()) {
                if (query.status() == null || e.status == query.status()) {
                    matching.add(e);
                }
            }
            matching.sort(Comparator.comparingLong((Entry<T> e) -> e.seq).reversed());
            List<StoredJob<T>> page = new ArrayList<>();
            for (int i = query.offset(); i < matching.size() && page.size() < query.limit(); i++) {
                page.add(view(matching.get(i)));
            }
            return new JobPage<>(page, matching.size(), query.offset(), query.limit());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean requeue(String id) {
        lock.lock();
        try {
            Entry<T> e = jobs.get(id);
            if (e == null || e.status == JobStatus.RUNNING || e.status == JobStatus.DONE) {
                return false;
            }
            Instant now = clock.instant();
            unqueue(e);
            e.attempts = 0;
            e.runAt = now;
            e.finishedAt = null;
            setStatus(e, JobStatus.PENDING);
            enqueue(e, now);
        } finally {
            lock.unlock();
        }
        wakeUp();
        return true;
    }

    @Override
    public boolean kill(String id, String reason) {
        lock.lock();
        try {
            Entry<T> e = jobs.get(id);
            if (e == null || e.status.isFinal()) {
                return false;
            }
            unqueue(e);
            e.workerId = null;
            e.lockedAt = null;
            finish(e, JobStatus.KILLED, reason, clock.instant());
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int purgeFinished(Instant before) {
        lock.lock();
        try {
            int removed = 0;
            var it = jobs.values().iterator();
            while (it.hasNext()) {
                Entry<T> e = it.next();
                if (e.status.isFinal() && e.finishedAt.isBefore(before)) {
                    it.remove();
                    counts.merge(e.status, -1L, Long::sum);
                    if (e.uniqueKey != null) {
                        uniqueKeys.remove(e.uniqueKey, e);
                    }
                    removed++;
                }
            }
            return removed;
        } finally {
            lock.unlock();
        }
    }

    private void enqueue(Entry<T> e, Instant now) {
        (e.runAt.isAfter(now) ? delayed : ready).add(e);
    }

    private void unqueue(Entry<T> e) {
        // O(n), but only admin operations (requeue, kill) take this path
        if (e.status == JobStatus.PENDING && !ready.remove(e)) {
            delayed.remove(e);
        }
    }

    private void setStatus(Entry<T> e, JobStatus status) {
        if (e.status != null) {
            counts.merge(e.status, -1L, Long::sum);
        }
        counts.merge(status, 1L, Long::sum);
        e.status = status;
    }

    private StoredJob<T> view(Entry<T> e) {
        return new StoredJob<>(e.id, queue, e.payload, encode(e.payload), e.status, e.attempts, e.maxAttempts,
                e.runAt, e.priority, e.enqueuedAt, e.workerId, e.lastError, e.finishedAt, e.metadata);
    }

    /** Payloads are kept as objects and encoded only for inspection, so pushes stay cheap. */
    private String encode(T payload) {
        try {
            return codec.encode(payload);
        } catch (CodecException e) {
            return null;
        }
    }

    private void wakeUp() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "A wake-up listener of queue '" + queue + "' failed", ex);
            }
        }
    }

    /** Mutable job state, guarded by the storage's lock. */
    private static final class Entry<T> {
        String id;
        long seq;
        T payload;
        JobStatus status;
        int attempts;
        int maxAttempts;
        Instant runAt;
        int priority;
        Instant enqueuedAt;
        String workerId;
        Instant lockedAt;
        String lastError;
        Instant finishedAt;
        String uniqueKey;
        Map<String, String> metadata;
    }
}
