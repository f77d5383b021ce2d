package dev.apiary.impl.storage;

import dev.apiary.CodecException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobIds;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A thread-safe {@link JobStorage} in memory: one lock, the due jobs in one lane per priority, and a delay queue
 * ordered by run-at. Jobs are lost when the process ends; for tests and single-process use.
 * Invariant: a job is in exactly one of the two queues if and only if it is pending.
 */
public final class InMemoryStorage<T> implements JobStorage<T> {

    private static final Logger LOG = Logger.getLogger(InMemoryStorage.class.getName());
    /** Order among due jobs of one priority: earlier run-at, then first pushed. */
    private static final Comparator<Entry<?>> LANE_ORDER = (a, b) -> {
        int byTime = a.runAt.compareTo(b.runAt);
        return byTime != 0 ? byTime : Long.compare(a.seq, b.seq);
    };

    private final String queue;
    private final Class<T> payloadType;
    private final Codec codec;
    private final Clock clock;
    /** Guards every field below; a plain monitor, whose brief spinning suits these short critical sections. */
    private final Object lock = new Object();
    private final Map<String, Entry<T>> jobs = new HashMap<>();
    private final Map<String, Entry<T>> uniqueKeys = new HashMap<>();
    private final ReadyJobs<T> ready = new ReadyJobs<>();
    private final PriorityQueue<Entry<T>> delayed = new PriorityQueue<>(Comparator.comparing((Entry<T> e) -> e.runAt));
    private final Map<String, Instant> heartbeats = new HashMap<>();
    /** Running jobs, so that orphan recovery need not scan every job. */
    private final Set<Entry<T>> running = new HashSet<>();
    private final long[] counts = new long[JobStatus.values().length];
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private long sequence;

    public InMemoryStorage(String queue, Class<T> payloadType, Codec codec, Clock clock) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.payloadType = Objects.requireNonNull(payloadType, "payloadType");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.clock = Objects.requireNonNull(clock, "clock");
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
        synchronized (lock) {
            id = add(payload, options, clock.instant());
        }
        wakeUp();
        return id;
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        List<String> ids = new ArrayList<>(payloads.size());
        synchronized (lock) {
            Instant now = clock.instant();
            for (T payload : payloads) {
                ids.add(add(payload, options, now));
            }
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
        counts[JobStatus.PENDING.ordinal()]++;
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
        synchronized (lock) {
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
        }
    }

    @Override
    public void settle(List<Settlement> settlements) {
        boolean requeued = false;
        synchronized (lock) {
            Instant now = clock.instant();
            for (Settlement s : settlements) {
                Entry<T> e = jobs.get(s.job().id());
                if (e == null || !holds(e, s.job())) {
                    continue;
                }
                e.workerId = null;
                e.lockedAt = null;
                if (s.status() == JobStatus.PENDING) {
                    e.lastError = s.error();
                    e.runAt = s.runAt();
                    setStatus(e, JobStatus.PENDING);
                    enqueue(e, now);
                    requeued = true;
                } else {
                    finish(e, s.status(), s.error(), now);
                }
            }
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
        synchronized (lock) {
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
        }
        wakeUp();
    }

    @Override
    public void heartbeat(String workerId) {
        synchronized (lock) {
            heartbeats.put(workerId, clock.instant());
        }
    }

    @Override
    public int reenqueueOrphans(Duration lease) {
        int reenqueued = 0;
        synchronized (lock) {
            Instant now = clock.instant();
            Instant cutoff = now.minus(lease);
            for (Entry<T> e : new ArrayList<>(running)) {
                Instant alive = heartbeats.getOrDefault(e.workerId, e.lockedAt);
                if (alive.isBefore(e.lockedAt)) {
                    alive = e.lockedAt;
                }
                if (alive.isBefore(cutoff)) {
                    e.workerId = null;
                    e.lockedAt = null;
                    String reason = "Reenqueued: its worker stopped heartbeating for longer than the lease of " + lease;
                    if (e.attempts >= e.maxAttempts) {
                        // the lost attempt counts; a job that kills its worker every time must not go round for ever
                        finish(e, JobStatus.FAILED, reason + "; it was the job's last attempt", now);
                    } else {
                        e.lastError = reason;
                        setStatus(e, JobStatus.PENDING);
                        enqueue(e, now);
                    }
                    reenqueued++;
                }
            }
        }
        if (reenqueued > 0) {
            wakeUp();
        }
        return reenqueued;
    }

    @Override
    public AutoCloseable onAvailable(Runnable wakeup) {
        listeners.add(wakeup);
        return () -> listeners.remove(wakeup);
    }

    @Override
    public Optional<StoredJob<T>> find(String id) {
        synchronized (lock) {
            Entry<T> e = jobs.get(id);
            return e == null ? Optional.empty() : Optional.of(view(e));
        }
    }

    @Override
    public Map<JobStatus, Long> counts() {
        synchronized (lock) {
            EnumMap<JobStatus, Long> copy = new EnumMap<>(JobStatus.class);
            for (JobStatus status : JobStatus.values()) {
                copy.put(status, counts[status.ordinal()]);
            }
            return copy;
        }
    }

    @Override
    public JobPage<T> list(JobQuery query) {
        synchronized (lock) {
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
        }
    }

    @Override
    public boolean requeue(String id) {
        synchronized (lock) {
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
        }
        wakeUp();
        return true;
    }

    @Override
    public boolean kill(String id, String reason) {
        synchronized (lock) {
            Entry<T> e = jobs.get(id);
            if (e == null || e.status.isFinal()) {
                return false;
            }
            unqueue(e);
            e.workerId = null;
            e.lockedAt = null;
            finish(e, JobStatus.KILLED, reason, clock.instant());
            return true;
        }
    }

    @Override
    public int purgeFinished(Instant before) {
        synchronized (lock) {
            int removed = 0;
            var it = jobs.values().iterator();
            while (it.hasNext()) {
                Entry<T> e = it.next();
                if (e.status.isFinal() && e.finishedAt.isBefore(before)) {
                    it.remove();
                    counts[e.status.ordinal()]--;
                    if (e.uniqueKey != null) {
                        uniqueKeys.remove(e.uniqueKey, e);
                    }
                    removed++;
                }
            }
            return removed;
        }
    }

    private void enqueue(Entry<T> e, Instant now) {
        if (e.runAt.isAfter(now)) {
            delayed.add(e);
        } else {
            ready.add(e);
        }
    }

    private void unqueue(Entry<T> e) {
        // O(n), but only admin operations (requeue, kill) take this path
        if (e.status == JobStatus.PENDING && !ready.remove(e)) {
            delayed.remove(e);
        }
    }

    private void setStatus(Entry<T> e, JobStatus status) {
        if (e.status != null) {
            counts[e.status.ordinal()]--;
            if (e.status == JobStatus.RUNNING) {
                running.remove(e);
            }
        }
        counts[status.ordinal()]++;
        if (status == JobStatus.RUNNING) {
            running.add(e);
        }
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

    /**
     * Due jobs, highest priority first, then by {@link #LANE_ORDER}. Jobs almost always arrive in lane order
     * (pushed now, or due in run-at order), so each lane is a FIFO with O(1) claims; the rare job that arrives out of
     * order (pushed with a past run-at) goes to a small heap beside it, and a claim takes the smaller head.
     */
    private static final class ReadyJobs<T> {
        private final TreeMap<Integer, Lane<T>> lanes = new TreeMap<>(Comparator.reverseOrder());
        private int size;

        void add(Entry<T> e) {
            lanes.computeIfAbsent(e.priority, p -> new Lane<>()).add(e);
            size++;
        }

        Entry<T> poll() {
            Map.Entry<Integer, Lane<T>> first = lanes.firstEntry();
            if (first == null) {
                return null;
            }
            Entry<T> e = first.getValue().poll();
            if (first.getValue().isEmpty()) {
                lanes.remove(first.getKey());
            }
            size--;
            return e;
        }

        boolean remove(Entry<T> e) {
            Lane<T> lane = lanes.get(e.priority);
            if (lane == null || !lane.remove(e)) {
                return false;
            }
            if (lane.isEmpty()) {
                lanes.remove(e.priority);
            }
            size--;
            return true;
        }

        boolean isEmpty() {
            return size == 0;
        }

        int size() {
            return size;
        }
    }

    private static final class Lane<T> {
        private final ArrayDeque<Entry<T>> inOrder = new ArrayDeque<>();
        private final PriorityQueue<Entry<T>> outOfOrder = new PriorityQueue<>(LANE_ORDER);

        void add(Entry<T> e) {
            Entry<T> last = inOrder.peekLast();
            if (last == null || LANE_ORDER.compare(last, e) <= 0) {
                inOrder.addLast(e);
            } else {
                outOfOrder.add(e);
            }
        }

        Entry<T> poll() {
            Entry<T> a = inOrder.peekFirst();
            Entry<T> b = outOfOrder.peek();
            if (b == null || (a != null && LANE_ORDER.compare(a, b) <= 0)) {
                return inOrder.pollFirst();
            }
            return outOfOrder.poll();
        }

        boolean remove(Entry<T> e) {
            return inOrder.remove(e) || outOfOrder.remove(e);
        }

        boolean isEmpty() {
            return inOrder.isEmpty() && outOfOrder.isEmpty();
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
