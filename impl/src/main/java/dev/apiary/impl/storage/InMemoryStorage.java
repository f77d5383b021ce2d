package dev.apiary.impl.storage;

import dev.apiary.CodecException;
import dev.apiary.ConfigurationException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobResult;
import dev.apiary.ResultTooLargeException;
import dev.apiary.JobStatus;
import dev.apiary.QueueLimits;
import dev.apiary.spi.ApiaryProvider;
import dev.apiary.flow.FlowView;
import dev.apiary.spi.Codec;
import dev.apiary.spi.FlowPlan;
import dev.apiary.spi.JobIds;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.LimitWakeUps;
import dev.apiary.spi.NodeIdentity;
import dev.apiary.spi.PayloadCodec;
import dev.apiary.spi.ScheduleStore;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.Progress;
import dev.apiary.spi.StoredJob;
import dev.apiary.spi.StoredText;
import dev.apiary.spi.Throughput;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.worker.WorkerSnapshot;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A thread-safe {@link JobStorage} in memory: one lock, the due jobs in one lane per priority ({@link ReadyJobs}), and
 * a delay queue ordered by run-at; its schedules are {@link InMemorySchedules} under the same lock. Jobs are lost when
 * the process ends; for tests and single-process use.
 * Invariant: a job is in exactly one of the two queues if and only if it is pending.
 */
public final class InMemoryStorage<T> implements JobStorage<T> {

    private static final Logger LOG = Logger.getLogger(InMemoryStorage.class.getName());
    /** The order in which due jobs are claimed: highest priority first, then {@link Lane#ORDER}. */
    private static final Comparator<MemoryJob<?>> CLAIM_ORDER =
            Comparator.comparingInt((MemoryJob<?> e) -> -e.priority).thenComparing(Lane.ORDER);

    private final String queue;
    private final Class<T> payloadType;
    private final Codec codec;
    private final Clock clock;
    /** Guards every field below; a plain monitor, whose brief spinning suits these short critical sections. */
    private final Object lock = new Object();
    private final Map<String, MemoryJob<T>> jobs = new HashMap<>();
    private final Map<String, MemoryJob<T>> uniqueKeys = new HashMap<>();
    private final ReadyJobs<T> ready = new ReadyJobs<>();
    private final PriorityQueue<MemoryJob<T>> delayed =
            new PriorityQueue<>(Comparator.comparing((MemoryJob<T> e) -> e.runAt));
    private final Map<String, Instant> heartbeats = new HashMap<>();
    /** What instances reported at their last heartbeat, for {@link #workers()}. */
    private final Map<String, WorkerRecord> workers = new HashMap<>();
    /** This node's name, on worker rows and on each attempt this storage hands out. */
    private final String node;
    /** The lease each instance gave with its last heartbeat, for telling a lost instance from a live one. */
    private final Map<String, Duration> leases = new HashMap<>();
    /** Worker rows not seen for this long are dropped at the next heartbeat. */
    private final Duration workerRetention;
    /**
     * Running jobs by id: orphan recovery need not scan every job, and a settlement finds its job in this small map
     * rather than among all. By id rather than by the claim's context: the id string keeps its hash from the push,
     * where each new context would need an identity hash of its own.
     */
    private final Map<String, MemoryJob<T>> running = new HashMap<>();
    private final long[] counts = new long[JobStatus.values().length];
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Told whenever jobs may have become final ({@link #onFinished}). */
    private final List<Runnable> finishListeners = new CopyOnWriteArrayList<>();
    /** The longest encoded result a settle keeps ({@link #maxResultLength(int)}). */
    private volatile int maxResultLength = StoredText.MAX_RESULT_LENGTH;
    private final ScheduleStore<T> scheduleStore;
    private long sequence;
    /** Whether claims take nothing ({@link #pause}); written under {@link #lock}, read by claims under it too. */
    private boolean paused;
    /** The queue's limits ({@link #limit}); written and read under {@link #lock}. */
    private QueueLimits limits = QueueLimits.none();
    /**
     * With a partition key, the due jobs by key (a job without one under {@code null}), in the order a fair claim
     * visits them: a key that was served moves to the end. Empty without a partition key ({@link #ready} holds
     * every due job then).
     */
    private final LinkedHashMap<String, ReadyJobs<T>> readyByKey = new LinkedHashMap<>();
    /** Running jobs per partition key. */
    private final Map<String, Integer> runningByKey = new HashMap<>();
    private final RateWindow starts = new RateWindow();
    private final Map<String, RateWindow> startsByKey = new HashMap<>();
    private final LimitWakeUps limitWakeUps;
    /** Whether the last claim left the queue or a key at its running cap; written under the lock. */
    private volatile boolean runningCapReached;

    /** A storage that keeps worker rows for an hour after their last heartbeat. */
    public InMemoryStorage(String queue, Class<T> payloadType, Codec codec, Clock clock) {
        this(queue, payloadType, codec, clock, Duration.ofHours(1));
    }

    /** A storage that drops a worker instance's row once it has not heartbeat for {@code workerRetention}. */
    public InMemoryStorage(String queue, Class<T> payloadType, Codec codec, Clock clock, Duration workerRetention) {
        this(queue, payloadType, codec, clock, workerRetention, NodeIdentity.detected());
    }

    /** As above, recording {@code node} as this node's name ({@link NodeIdentity}) on worker rows and attempts. */
    public InMemoryStorage(String queue, Class<T> payloadType, Codec codec, Clock clock, Duration workerRetention,
                           String node) {
        this.node = Objects.requireNonNull(NodeIdentity.given(node), "node");
        if (workerRetention.isNegative() || workerRetention.isZero()) {
            throw new ConfigurationException("workerRetention must be positive, was " + workerRetention);
        }
        this.workerRetention = workerRetention;
        this.queue = Objects.requireNonNull(queue, "queue");
        this.payloadType = Objects.requireNonNull(payloadType, "payloadType");
        this.codec = PayloadCodec.of(Objects.requireNonNull(codec, "codec"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limitWakeUps = new LimitWakeUps(clock, this::wakeUp);
        this.scheduleStore = new InMemorySchedules<>(lock, clock, new InMemorySchedules.Jobs<>() {
            @Override
            public String addLocked(T payload, JobOptions options, Instant now) {
                return add(payload, options, now);
            }

            @Override
            public void added() {
                wakeUp();
            }
        });
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
        JobOptions stored = ApiaryProvider.instance().pushing(queue, options, 1);
        String id;
        synchronized (lock) {
            id = add(payload, stored, clock.instant());
        }
        wakeUp();
        return id;
    }

    /** Decodes the text once, at the push, so that a handler gets the payload and inspection shows the text. */
    @Override
    public String pushJson(String json, JobOptions options) {
        T payload = PayloadCodec.check(codec, queue, payloadType, json);
        JobOptions stored = ApiaryProvider.instance().pushing(queue, options, 1);
        String id;
        synchronized (lock) {
            id = add(payload, json, stored, clock.instant());
        }
        wakeUp();
        return id;
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        List<String> ids = new ArrayList<>(payloads.size());
        JobOptions stored = ApiaryProvider.instance().pushing(queue, options, payloads.size());
        synchronized (lock) {
            Instant now = clock.instant();
            for (T payload : payloads) {
                ids.add(add(payload, stored, now));
            }
        }
        wakeUp();
        return ids;
    }

    private String add(T payload, JobOptions options, Instant now) {
        return add(payload, null, options, now);
    }

    private String add(T payload, String json, JobOptions options, Instant now) {
        if (options.uniqueKey() != null) {
            MemoryJob<T> holder = uniqueKeys.get(options.uniqueKey());
            if (holder != null && !holder.status.isFinal()) {
                return holder.id;
            }
        }
        MemoryJob<T> e = newJob(payload, json, options, now);
        e.status = JobStatus.PENDING;
        counts[JobStatus.PENDING.ordinal()]++;
        jobs.put(e.id, e);
        if (e.uniqueKey != null) {
            uniqueKeys.put(e.uniqueKey, e);
        }
        enqueue(e, now);
        return e.id;
    }

    private MemoryJob<T> newJob(T payload, String json, JobOptions options, Instant now) {
        MemoryJob<T> e = new MemoryJob<>();
        e.id = JobIds.next();
        e.seq = sequence++;
        e.payload = payload;
        e.json = json;
        e.maxAttempts = options.maxAttempts();
        e.priority = options.priority();
        e.enqueuedAt = now;
        e.runAt = options.runAt() == null ? now : options.runAt();
        e.uniqueKey = options.uniqueKey();
        e.metadata = StoredText.metadata(options.metadata());
        e.partitionKey = limits.partitioned() ? limits.partitionBy().keyOf(payload, e.metadata) : null;
        return e;
    }

    @Override
    public List<Job<T>> claim(String workerId, int max) {
        if (max <= 0) {
            return List.of();
        }
        List<Job<T>> claimed;
        QueueLimits current;
        synchronized (lock) {
            current = limits;
            claimed = claimLocked(workerId, max);
        }
        limitWakeUps.claimed(current, max, claimed.size());
        return claimed;
    }

    /** Wake-ups at the start of a rate period run on the monitor's scheduler. */
    @Override
    public void useExecutors(Executor executor, ScheduledExecutorService scheduler) {
        limitWakeUps.useScheduler(scheduler);
    }

    /** The claim itself, under {@link #lock}. */
    private List<Job<T>> claimLocked(String workerId, int max) {
        if (paused) {
            return List.of();
        }
        Instant now = clock.instant();
        while (!delayed.isEmpty() && !delayed.peek().runAt.isAfter(now)) {
            MemoryJob<T> due = delayed.poll();
            readyOf(due).add(due);
        }
        int budget = max;
        if (limits.maxRunning() > 0) {
            budget = Math.min(budget, limits.maxRunning() - running.size());
        }
        if (limits.rate() != null) {
            budget = Math.min(budget, starts.remaining(limits.rate(), now));
        }
        List<Job<T>> claimed = new ArrayList<>(Math.max(0, Math.min(budget, ready.size())));
        while (claimed.size() < budget) {
            MemoryJob<T> e = limits.partitioned() ? nextOfKeys(now) : ready.poll();
            if (e == null) {
                break;
            }
            e.attempts++;
            e.workerId = workerId;
            e.attemptWorkerId = workerId;
            e.attemptNode = node;
            e.lockedAt = now;
            setStatus(e, JobStatus.RUNNING);
            countStart(e, now);
            claimed.add(new Job<>(e.payload, new JobContext(e.id, queue, e.attempts, e.maxAttempts, e.runAt,
                    e.priority, e.enqueuedAt, workerId, e.metadata)));
        }
        runningCapReached = (limits.maxRunning() > 0 && running.size() >= limits.maxRunning())
                || (limits.maxRunningPerKey() > 0
                        && runningByKey.values().stream().anyMatch(n -> n >= limits.maxRunningPerKey()));
        return claimed;
    }

    @Override
    public boolean runningCapReached() {
        return runningCapReached;
    }

    @Override
    public void settle(List<Settlement> settlements) {
        boolean requeued = false;
        List<String> flowJobs = null;
        boolean finished = false;
        // encoded before anything is written: a result past the limit refuses the whole call, as a database would
        Map<Settlement, String> results = encodeResults(settlements);
        synchronized (lock) {
            Instant now = clock.instant();
            for (Settlement s : settlements) {
                // a job that is not running has nothing to settle
                MemoryJob<T> e = running.get(s.job().id());
                if (e == null || !holds(e, s.job())) {
                    continue;
                }
                e.workerId = null;
                e.lockedAt = null;
                if (s.status() == JobStatus.PENDING) {
                    e.lastError = StoredText.error(s.error());
                    e.runAt = s.runAt();
                    setStatus(e, JobStatus.PENDING);
                    enqueue(e, now);
                    requeued = true;
                } else {
                    finish(e, s.status(), StoredText.error(s.error()), now);
                    e.result = results.get(s);
                    finished = true;
                    if (e.metadata.containsKey(FlowPlan.METADATA_KEY)) {
                        flowJobs = flowJobs == null ? new ArrayList<>() : flowJobs;
                        flowJobs.add(e.id);
                    }
                }
            }
        }
        if (requeued) {
            wakeUp();
        } else {
            limitWakeUps.settled(runningCapReached);
        }
        if (finished) {
            finishedSignal();
        }
        // outside this storage's lock: the flows take the locks of the storages they release steps in
        if (flowJobs != null) {
            InMemoryFlows.SHARED.finished(flowJobs);
        }
    }

    @Override
    public Map<String, String> startFlow(FlowPlan plan) {
        return InMemoryFlows.SHARED.start(plan, clock.instant());
    }

    @Override
    public Optional<FlowView> flow(String flowId) {
        return InMemoryFlows.SHARED.view(flowId);
    }

    /** Adds a flow's job: pending with its payload, or waiting for its parents without one. */
    String addFlowJob(Object payload, JobOptions options, boolean waiting) {
        JobOptions stored = ApiaryProvider.instance().pushing(queue, options, 1);
        String id;
        synchronized (lock) {
            Instant now = clock.instant();
            if (!waiting) {
                id = add(payloadType.cast(payload), stored, now);
            } else {
                MemoryJob<T> e = newJob(null, "null", stored, now);
                e.status = JobStatus.WAITING;
                counts[JobStatus.WAITING.ordinal()]++;
                jobs.put(e.id, e);
                id = e.id;
            }
        }
        if (!waiting) {
            wakeUp();
        }
        return id;
    }

    /**
     * Makes a waiting job pending with {@code json} as its payload; one that does not decode is killed, as a claim of
     * an undecodable payload would. Whether the job was waiting.
     */
    boolean releaseWaiting(String id, String json) {
        boolean killed = false;
        synchronized (lock) {
            MemoryJob<T> e = jobs.get(id);
            if (e == null || e.status != JobStatus.WAITING) {
                return false;
            }
            Instant now = clock.instant();
            e.json = json;
            try {
                // null is a payload here: the result of a parent that returned none, or failed
                e.payload = codec.decode(json, payloadType);
                // its partition key comes from the payload it is released with
                e.partitionKey = limits.partitioned() ? limits.partitionBy().keyOf(e.payload, e.metadata) : null;
                e.runAt = now;
                setStatus(e, JobStatus.PENDING);
                enqueue(e, now);
            } catch (CodecException ex) {
                counts[JobStatus.WAITING.ordinal()]--;
                e.status = null;
                finish(e, JobStatus.KILLED, StoredText.error("Its parents' results cannot be decoded as its payload, "
                        + "so the job can never run: " + ex.getMessage()), now);
                killed = true;
            }
        }
        if (killed) {
            finishedSignal();
        } else {
            wakeUp();
        }
        return true;
    }

    /** Cancels a waiting job whose parent failed; whether it was waiting. */
    boolean cancelWaiting(String id, String reason) {
        synchronized (lock) {
            MemoryJob<T> e = jobs.get(id);
            if (e == null || e.status != JobStatus.WAITING) {
                return false;
            }
            e.cancelledBy = "workflow";
            finish(e, JobStatus.CANCELLED, StoredText.error(reason), clock.instant());
        }
        finishedSignal();
        return true;
    }

    private static boolean holds(MemoryJob<?> e, JobContext job) {
        return e.status == JobStatus.RUNNING && Objects.equals(e.workerId, job.workerId())
                && e.attempts == job.attempt();
    }

    private void finish(MemoryJob<T> e, JobStatus status, String error, Instant now) {
        setStatus(e, status);
        e.lastError = error;
        e.finishedAt = now;
    }

    /** One at a time: a write waits for no disk, only for the storage's lock, so a second writer would only queue. */
    @Override
    public int concurrentSettles() {
        return 1;
    }

    @Override
    public void release(String workerId, List<String> jobIds) {
        synchronized (lock) {
            Instant now = clock.instant();
            for (String id : jobIds) {
                MemoryJob<T> e = jobs.get(id);
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
    public void heartbeat(WorkerSnapshot instance) {
        heartbeat(instance, null);
    }

    @Override
    public void heartbeat(WorkerSnapshot instance, Duration lease) {
        synchronized (lock) {
            if (lease != null) {
                leases.put(instance.instanceId(), lease);
            } else {
                leases.remove(instance.instanceId());
            }
            Instant now = clock.instant();
            heartbeats.put(instance.instanceId(), now);
            WorkerRecord before = workers.get(instance.instanceId());
            workers.put(instance.instanceId(), new WorkerRecord(instance.instanceId(), instance.worker(), queue,
                    node, instance.state() == null ? null : instance.state().name(), instance.running(),
                    instance.done(), instance.failed(), before == null ? now : before.startedAt(), now));
            Instant stale = now.minus(workerRetention);
            workers.values().removeIf(w -> w.lastSeen().isBefore(stale));
            heartbeats.values().removeIf(at -> at.isBefore(stale));
            leases.keySet().retainAll(workers.keySet());
        }
    }

    @Override
    public List<WorkerRecord> workers() {
        synchronized (lock) {
            Instant now = clock.instant();
            return workers.values().stream().sorted(Comparator.comparing(WorkerRecord::instanceId))
                    .map(w -> w.seenAt(now, leases.get(w.instanceId()))).toList();
        }
    }

    @Override
    public boolean progress(JobContext job, int percent, String message) {
        synchronized (lock) {
            MemoryJob<T> e = jobs.get(job.id());
            if (e == null || !holds(e, job)) {
                return false;
            }
            e.progress = new Progress(percent, StoredText.progressMessage(message), clock.instant());
            return true;
        }
    }

    @Override
    public int reenqueueOrphans(Duration lease) {
        int reenqueued = 0;
        List<String> failedFlowJobs = new ArrayList<>();
        synchronized (lock) {
            Instant now = clock.instant();
            Instant cutoff = now.minus(lease);
            for (MemoryJob<T> e : new ArrayList<>(running.values())) {
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
                        if (e.metadata.containsKey(FlowPlan.METADATA_KEY)) {
                            failedFlowJobs.add(e.id);
                        }
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
            finishedSignal();
        }
        if (!failedFlowJobs.isEmpty()) {
            InMemoryFlows.SHARED.finished(failedFlowJobs);
        }
        return reenqueued;
    }

    @Override
    public void pause() {
        synchronized (lock) {
            paused = true;
        }
    }

    @Override
    public void resume() {
        synchronized (lock) {
            paused = false;
        }
        wakeUp();
    }

    /**
     * Takes effect at the next claim. A new partition key is read again from every job that is not final, so that
     * jobs pushed before count under their key too.
     */
    @Override
    public void limit(QueueLimits newLimits) {
        Objects.requireNonNull(newLimits, "limits");
        synchronized (lock) {
            List<MemoryJob<T>> due = new ArrayList<>();
            for (MemoryJob<T> e = ready.poll(); e != null; e = ready.poll()) {
                due.add(e);
            }
            for (ReadyJobs<T> lane : readyByKey.values()) {
                for (MemoryJob<T> e = lane.poll(); e != null; e = lane.poll()) {
                    due.add(e);
                }
            }
            readyByKey.clear();
            runningByKey.clear();
            limits = newLimits;
            for (MemoryJob<T> e : jobs.values()) {
                if (!e.status.isFinal()) {
                    e.partitionKey = newLimits.partitioned()
                            ? newLimits.partitionBy().keyOf(e.payload, e.metadata) : null;
                    if (e.status == JobStatus.RUNNING && e.partitionKey != null) {
                        runningByKey.merge(e.partitionKey, 1, Integer::sum);
                    }
                }
            }
            due.sort(CLAIM_ORDER);
            due.forEach(e -> readyOf(e).add(e));
        }
        wakeUp();
    }

    @Override
    public QueueLimits limits() {
        synchronized (lock) {
            return limits;
        }
    }

    /** Where a due job waits: its key's lane when the queue is partitioned. */
    private ReadyJobs<T> readyOf(MemoryJob<T> e) {
        return limits.partitioned() ? readyByKey.computeIfAbsent(e.partitionKey, k -> new ReadyJobs<>()) : ready;
    }

    private boolean removeReady(MemoryJob<T> e) {
        if (!limits.partitioned()) {
            return ready.remove(e);
        }
        ReadyJobs<T> lane = readyByKey.get(e.partitionKey);
        if (lane == null || !lane.remove(e)) {
            return false;
        }
        if (lane.isEmpty()) {
            readyByKey.remove(e.partitionKey);
        }
        return true;
    }

    /**
     * The next due job of a key under its limits, taken out: the first key in visiting order when fair (that key then
     * goes last), else the best head among the keys; keys at their limit are passed over, so they hold up no other.
     */
    private MemoryJob<T> nextOfKeys(Instant now) {
        String chosen = null;
        MemoryJob<T> best = null;
        for (Map.Entry<String, ReadyJobs<T>> entry : readyByKey.entrySet()) {
            if (!underKeyLimits(entry.getKey(), now)) {
                continue;
            }
            MemoryJob<T> head = entry.getValue().peek();
            if (best == null || CLAIM_ORDER.compare(head, best) < 0) {
                best = head;
                chosen = entry.getKey();
                if (limits.fair()) {
                    break;
                }
            }
        }
        if (best == null) {
            return null;
        }
        ReadyJobs<T> lane = readyByKey.remove(chosen);
        lane.poll();
        if (!lane.isEmpty()) {
            readyByKey.put(chosen, lane);
        }
        return best;
    }

    private boolean underKeyLimits(String key, Instant now) {
        if (key == null) {
            return true;
        }
        if (limits.maxRunningPerKey() > 0 && runningByKey.getOrDefault(key, 0) >= limits.maxRunningPerKey()) {
            return false;
        }
        RateWindow window = startsByKey.get(key);
        return limits.ratePerKey() == null || window == null || window.remaining(limits.ratePerKey(), now) > 0;
    }

    private void countStart(MemoryJob<T> e, Instant now) {
        if (limits.rate() != null) {
            starts.count(limits.rate(), now);
        }
        if (limits.ratePerKey() != null && e.partitionKey != null) {
            startsByKey.computeIfAbsent(e.partitionKey, k -> new RateWindow()).count(limits.ratePerKey(), now);
        }
    }

    @Override
    public boolean isPaused() {
        synchronized (lock) {
            return paused;
        }
    }

    @Override
    public AutoCloseable onAvailable(Runnable wakeup) {
        listeners.add(wakeup);
        return () -> listeners.remove(wakeup);
    }

    @Override
    public Optional<StoredJob<T>> find(String id) {
        synchronized (lock) {
            MemoryJob<T> e = jobs.get(id);
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
            List<MemoryJob<T>> matching = new ArrayList<>();
            for (MemoryJob<T> e : jobs.values()) {
                if (query.status() == null || e.status == query.status()) {
                    matching.add(e);
                }
            }
            matching.sort(Comparator.comparingLong((MemoryJob<T> e) -> e.seq).reversed());
            List<StoredJob<T>> page = new ArrayList<>();
            for (int i = query.offset(); i < matching.size() && page.size() < query.limit(); i++) {
                page.add(view(matching.get(i)));
            }
            return new JobPage<>(page, matching.size(), query.offset(), query.limit());
        }
    }

    @Override
    public Optional<StoredJob<T>> findByUniqueKey(String uniqueKey) {
        synchronized (lock) {
            return jobs.values().stream().filter(e -> uniqueKey.equals(e.uniqueKey))
                    .max(Comparator.comparingLong(e -> e.seq)).map(this::view);
        }
    }

    @Override
    public List<StoredJob<T>> findByMetadata(String key, String value, int limit) {
        synchronized (lock) {
            return jobs.values().stream().filter(e -> value.equals(e.metadata.get(key)))
                    .sorted(Comparator.comparingLong((MemoryJob<T> e) -> e.seq).reversed()).limit(limit)
                    .map(this::view).toList();
        }
    }

    @Override
    public boolean requeue(String id) {
        boolean requeued;
        synchronized (lock) {
            requeued = requeue(jobs.get(id), clock.instant());
        }
        if (requeued) {
            wakeUp();
        }
        return requeued;
    }

    private boolean requeue(MemoryJob<T> e, Instant now) {
        if (e == null || e.status == JobStatus.RUNNING || e.status == JobStatus.DONE
                || e.status == JobStatus.WAITING) {
            return false;
        }
        unqueue(e);
        e.attempts = 0;
        e.runAt = now;
        e.finishedAt = null;
        e.progress = null;
        e.cancelledBy = null;
        setStatus(e, JobStatus.PENDING);
        enqueue(e, now);
        return true;
    }

    @Override
    public boolean kill(String id, String reason) {
        boolean killed;
        synchronized (lock) {
            killed = kill(jobs.get(id), StoredText.error(reason), clock.instant());
        }
        if (killed) {
            finishedSignal();
            InMemoryFlows.SHARED.finished(List.of(id));
        }
        return killed;
    }

    private boolean kill(MemoryJob<T> e, String reason, Instant now) {
        if (e == null || e.status.isFinal()) {
            return false;
        }
        unqueue(e);
        e.workerId = null;
        e.lockedAt = null;
        finish(e, JobStatus.KILLED, reason, now);
        return true;
    }

    @Override
    public boolean cancel(String id, String by, String reason) {
        boolean wasRunning;
        synchronized (lock) {
            MemoryJob<T> e = jobs.get(id);
            if (e == null || e.status.isFinal()) {
                return false;
            }
            wasRunning = e.status == JobStatus.RUNNING;
            unqueue(e);
            e.workerId = null;
            e.lockedAt = null;
            e.cancelledBy = StoredText.clean(by, 200);
            finish(e, JobStatus.CANCELLED, StoredText.error(reason), clock.instant());
        }
        if (wasRunning) {
            // the worker running it looks for cancels at a wake-up
            wakeUp();
        }
        finishedSignal();
        InMemoryFlows.SHARED.finished(List.of(id));
        return true;
    }

    @Override
    public Set<String> cancelled(String workerId, Collection<String> jobIds) {
        Set<String> cancelled = new HashSet<>();
        synchronized (lock) {
            for (String id : jobIds) {
                MemoryJob<T> e = jobs.get(id);
                if (e != null && e.status == JobStatus.CANCELLED) {
                    cancelled.add(id);
                }
            }
        }
        return cancelled;
    }

    @Override
    public boolean delete(String id) {
        synchronized (lock) {
            MemoryJob<T> e = jobs.get(id);
            if (e == null || e.status == JobStatus.RUNNING) {
                return false;
            }
            remove(e);
        }
        // a wait for it ends: the job is gone
        finishedSignal();
        return true;
    }

    @Override
    public int requeueAll(JobStatus status) {
        int count = 0;
        synchronized (lock) {
            Instant now = clock.instant();
            for (MemoryJob<T> e : inStatus(status)) {
                count += requeue(e, now) ? 1 : 0;
            }
        }
        if (count > 0) {
            wakeUp();
        }
        return count;
    }

    @Override
    public int killAll(JobStatus status, String reason) {
        String stored = StoredText.error(reason);
        int count = 0;
        synchronized (lock) {
            Instant now = clock.instant();
            for (MemoryJob<T> e : inStatus(status)) {
                count += kill(e, stored, now) ? 1 : 0;
            }
        }
        if (count > 0) {
            finishedSignal();
        }
        return count;
    }

    @Override
    public int deleteAll(JobStatus status) {
        if (status == JobStatus.RUNNING) {
            return 0;
        }
        synchronized (lock) {
            List<MemoryJob<T>> matching = inStatus(status);
            matching.forEach(this::remove);
            return matching.size();
        }
    }

    @Override
    public List<Throughput> throughput(Instant since) {
        TreeMap<Instant, long[]> minutes = new TreeMap<>();
        synchronized (lock) {
            for (MemoryJob<T> e : jobs.values()) {
                if (e.finishedAt != null && !e.finishedAt.isBefore(since)) {
                    long[] c = minutes.computeIfAbsent(e.finishedAt.truncatedTo(ChronoUnit.MINUTES),
                            m -> new long[3]);
                    c[e.status == JobStatus.DONE ? 0 : e.status == JobStatus.FAILED ? 1 : 2]++;
                }
            }
        }
        List<Throughput> result = new ArrayList<>(minutes.size());
        minutes.forEach((minute, c) -> result.add(new Throughput(minute, c[0], c[1], c[2])));
        return result;
    }

    private List<MemoryJob<T>> inStatus(JobStatus status) {
        List<MemoryJob<T>> matching = new ArrayList<>();
        for (MemoryJob<T> e : jobs.values()) {
            if (e.status == status) {
                matching.add(e);
            }
        }
        return matching;
    }

    private void remove(MemoryJob<T> e) {
        unqueue(e);
        jobs.remove(e.id);
        counts[e.status.ordinal()]--;
        if (e.uniqueKey != null) {
            uniqueKeys.remove(e.uniqueKey, e);
        }
    }

    @Override
    public int purgeFinished(Instant before) {
        synchronized (lock) {
            int removed = 0;
            var it = jobs.values().iterator();
            while (it.hasNext()) {
                MemoryJob<T> e = it.next();
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

    private void enqueue(MemoryJob<T> e, Instant now) {
        if (e.runAt.isAfter(now)) {
            delayed.add(e);
        } else {
            readyOf(e).add(e);
        }
    }

    private void unqueue(MemoryJob<T> e) {
        // O(n), but only admin operations (requeue, kill) take this path
        if (e.status == JobStatus.PENDING && !removeReady(e)) {
            delayed.remove(e);
        }
    }

    private void setStatus(MemoryJob<T> e, JobStatus status) {
        if (e.status != null) {
            counts[e.status.ordinal()]--;
            if (e.status == JobStatus.RUNNING) {
                running.remove(e.id);
                if (e.partitionKey != null) {
                    runningByKey.computeIfPresent(e.partitionKey, (k, n) -> n == 1 ? null : n - 1);
                }
            }
        }
        counts[status.ordinal()]++;
        if (status == JobStatus.RUNNING) {
            running.put(e.id, e);
            if (e.partitionKey != null) {
                runningByKey.merge(e.partitionKey, 1, Integer::sum);
            }
        }
        e.status = status;
    }

    private StoredJob<T> view(MemoryJob<T> e) {
        return new StoredJob<>(e.id, queue, e.payload, e.json != null ? e.json : encode(e.payload), e.status,
                e.attempts, e.maxAttempts, e.runAt, e.priority, e.enqueuedAt, e.workerId, e.lastError, e.finishedAt,
                e.metadata, e.uniqueKey, e.progress, e.result, e.attemptNode, e.attemptWorkerId,
                e.cancelledBy);
    }

    /** Payloads are kept as objects and encoded only for inspection, so pushes stay cheap. */
    private String encode(T payload) {
        try {
            return codec.encode(payload);
        } catch (CodecException e) {
            return null;
        }
    }

    /** The encoded results of the done settlements that have one; throws when one is longer than the limit. */
    private Map<Settlement, String> encodeResults(List<Settlement> settlements) {
        Map<Settlement, String> results = null;
        for (Settlement s : settlements) {
            if (s.result() != null) {
                if (results == null) {
                    results = new IdentityHashMap<>();
                }
                results.put(s, encodeResult(s.result(), s.job().id()));
            }
        }
        return results == null ? Map.of() : results;
    }

    /** Encodes a done job's result once, when it is settled, as a database storage does. */
    private String encodeResult(Object result, String jobId) {
        try {
            String json = codec.encode(result);
            if (json != null && json.length() > maxResultLength) {
                throw new ResultTooLargeException(queue, jobId, json.length(), maxResultLength,
                        "InMemoryStorage.maxResultLength(..)");
            }
            return json == null ? null : StoredText.clean(json, Math.max(1, json.length()));
        } catch (CodecException e) {
            LOG.log(Level.WARNING, "Job " + jobId + " of queue '" + queue + "' is done, but its result (a "
                    + result.getClass().getName() + ") cannot be encoded as JSON, so it is not kept; return a"
                    + " value the codec can encode", e);
            return null;
        }
    }

    @Override
    public Optional<ScheduleStore<T>> scheduleStore() {
        return Optional.of(scheduleStore);
    }

    /**
     * Sets the longest encoded result (characters of JSON) a settle keeps, {@value StoredText#MAX_RESULT_LENGTH} by
     * default; a done job whose result is longer ends failed with {@link ResultTooLargeException}'s message.
     */
    public InMemoryStorage<T> maxResultLength(int characters) {
        if (characters < 1) {
            throw new ConfigurationException("maxResultLength must be at least 1, was " + characters);
        }
        this.maxResultLength = characters;
        return this;
    }

    @Override
    public <R> Optional<JobResult<R>> result(String id, Class<R> type) {
        return find(id).map(job -> job.toResult(codec, type));
    }

    @Override
    public Map<String, JobStatus> statuses(Collection<String> ids) {
        Map<String, JobStatus> statuses = new HashMap<>();
        synchronized (lock) {
            for (String id : ids) {
                MemoryJob<T> e = jobs.get(id);
                if (e != null) {
                    statuses.put(id, e.status);
                }
            }
        }
        return statuses;
    }

    @Override
    public AutoCloseable onFinished(Runnable listener) {
        finishListeners.add(listener);
        return () -> finishListeners.remove(listener);
    }

    private void finishedSignal() {
        for (Runnable listener : finishListeners) {
            try {
                listener.run();
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "A completion listener of queue '" + queue + "' failed", ex);
            }
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
}
