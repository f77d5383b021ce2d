package dev.apiary.jpa;

import dev.apiary.CodecException;
import dev.apiary.ConfigurationException;
import dev.apiary.PayloadTooLargeException;
import dev.apiary.RecordRefusedException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.StorageException;
import dev.apiary.spi.ApiaryProvider;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.ScheduleStore;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.Progress;
import dev.apiary.spi.StoredJob;
import dev.apiary.spi.StoredText;
import dev.apiary.spi.Throughput;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.PessimisticLockException;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;

import javax.sql.DataSource;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link JobStorage} for one queue in a relational database through JPA 3.1 (Hibernate 6.6, EclipseLink 4.0).
 * The persistence unit must list {@link JobEntity} and {@link WorkerEntity} (and {@link ScheduleEntity} for recurring
 * jobs); the tables come from
 * {@code META-INF/apiary/schema-h2.sql} or {@code schema-postgresql.sql} in this jar, or from JPA schema generation.
 *
 * <pre>{@code
 * JpaJobStorage<Email> emails = JpaJobStorage.builder(entityManagerFactory)
 *         .queue("email", Email.class)
 *         .notifications(dataSource)   // optional: PostgreSQL LISTEN/NOTIFY wake-ups across nodes
 *         .build();
 * }</pre>
 *
 * <p>Claiming and settling are set-based: a claim is one statement on PostgreSQL ({@code FOR UPDATE SKIP LOCKED})
 * and three elsewhere (see {@link SqlDialect}), whatever the batch size; settling a batch writes all its done jobs
 * with one statement. No job is held by two workers at once, across threads and JVMs. Storages are thread-safe;
 * build one per queue and share it.
 *
 * @param <T> the payload type
 */
public final class JpaJobStorage<T> implements JobStorage<T>, AutoCloseable {

    /** The default longest payload: the length of the payload column JPA generates from {@link JobEntity}. */
    public static final int DEFAULT_MAX_PAYLOAD_LENGTH = 1_000_000;
    /** How long one statement of a worker's claim, settle or heartbeat may run by default. */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(10);
    /** How long such a statement may wait for a row lock by default (PostgreSQL). */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());

    private final String queue;
    private final Class<T> payloadType;
    private final Codec codec;
    private final Clock clock;
    private final Transactions tx;
    private final SqlDialect dialect;
    private final JobTable table;
    private final DataSource notificationSource;
    private final ThreadFactory threadFactory;
    private final int maxPayloadLength;
    private final String host;
    private final Duration workerRetention;
    private final Duration statementTimeout;
    private final Duration lockTimeout;
    /**
     * Per worker, the lock times of its claims that failed without telling whether they committed (a connection
     * that timed out waiting for the answer); their jobs are handed back by the worker's next claim that commits.
     */
    private final Map<String, Set<LocalDateTime>> unansweredClaims = new ConcurrentHashMap<>();
    /** System.nanoTime() of the last purge of stale worker rows by this storage; 0 before the first. */
    private volatile long workersPurgedAt;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** One instance, so that many pushes in one caller transaction wake the workers once. */
    private final Runnable wakeUpOnce = this::wakeUp;
    private AutoCloseable notifications;
    private final ScheduleStore<T> schedules;

    private JpaJobStorage(Builder<T> b) {
        requireEntities(b.emf, b.queue);
        this.queue = b.queue;
        this.payloadType = b.payloadType;
        this.codec = b.codec == null ? ApiaryProvider.instance().codec() : b.codec;
        this.clock = b.clock;
        this.tx = b.jta ? new JtaTransactions(b.emf, b.registry, b.userTransaction)
                : new ResourceLocalTransactions(b.emf);
        this.notificationSource = b.notificationSource;
        this.threadFactory = b.threadFactory;
        this.maxPayloadLength = b.maxPayloadLength;
        this.statementTimeout = b.statementTimeout;
        this.lockTimeout = b.lockTimeout;
        this.dialect = b.dialect != null ? b.dialect
                : notificationSource != null ? SqlDialect.detect(notificationSource)
                : detectDialect();
        this.table = new JobTable(queue, payloadType, dialect);
        String how = b.dialect != null ? "as set on the builder" : "detected";
        LOG.info(() -> "Job storage of queue '" + queue + "' uses " + dialect + " SQL (" + how + ")");
        this.host = localHost();
        this.schedules = new JpaScheduleStore<>(queue, dialect, clock, new ScheduleJobs());
        this.workerRetention = b.workerRetention == null ? ApiaryProvider.instance().workerRetention()
                : b.workerRetention;
    }

    /** The database from the provider's connection, else from the database's own answer, else portable SQL. */
    private SqlDialect detectDialect() {
        List<String> reasons = new ArrayList<>();
        SqlDialect found = run("detect the database", em -> SqlDialect.fromProvider(em, reasons));
        if (found == null) {
            found = SqlDialect.fromUnitDataSource(tx.emf, reasons);
        }
        if (found == null) {
            try {
                found = run("ask the database for its version", em -> SqlDialect.fromVersionQuery(em, reasons));
            } catch (StorageException e) {
                reasons.add(e.getMessage());
            }
        }
        return found != null ? found : SqlDialect.fallback(reasons);
    }

    /** Starts building a storage on {@code emf}; {@link Builder#queue} is required. */
    public static Builder<Object> builder(EntityManagerFactory emf) {
        return new Builder<>(Objects.requireNonNull(emf, "entityManagerFactory"));
    }

    /**
     * Binds the caller's resource-local {@code em}, whose transaction is active, to this thread: until the returned
     * scope is closed, every push of a storage built on the same factory writes through {@code em} and so commits
     * or rolls back with the caller's work. Close the scope after the commit (or rollback) to wake idle workers.
     *
     * <pre>{@code
     * em.getTransaction().begin();
     * try (var joined = JpaJobStorage.joining(em)) {
     *     em.persist(order);
     *     emails.push(new Email(order.customer()));
     *     em.getTransaction().commit();
     * }
     * }</pre>
     *
     * With JTA ({@link Builder#jta()}) there is nothing to bind: a push joins the thread's active transaction.
     */
    public static JoinedTransaction joining(EntityManager em) {
        return CallerEntityManager.bind(Objects.requireNonNull(em, "em"));
    }

    /** The SQL this storage uses, set on the builder or detected from the database. */
    public SqlDialect dialect() {
        return dialect;
    }

    @Override
    public String queue() {
        return queue;
    }

    @Override
    public Class<T> payloadType() {
        return payloadType;
    }

    // ---- enqueue

    @Override
    public String push(T payload, JobOptions given) {
        Objects.requireNonNull(given, "options");
        JobOptions options = ApiaryProvider.instance().pushing(queue, given, 1);
        String json = checkLength(codec.encode(payload));
        String metadata = encodeMetadata(options.metadata());
        String key = options.uniqueKey();
        if (key == null) {
            return enqueue("push a job", (em, notify) -> table.insert(em, json, metadata, options, now(), notify));
        }
        // a lost race for the key fails the insert; in a transaction of its own that means the winner holds it (a
        // caller's transaction is spoiled by the failure, so there the error reaches the caller)
        boolean joined = tx.joinsCaller();
        try {
            return enqueue("push a job with unique key '" + key + "'", (em, notify) -> {
                String id = table.insertUnique(em, json, metadata, options, now());
                if (notify) {
                    table.notifyOtherNodes(em);
                }
                return id;
            });
        } catch (StorageException e) {
            String holder = joined ? null
                    : run("find the job holding unique key '" + key + "'", em -> table.activeHolder(em, key));
            if (holder == null) {
                throw e;
            }
            return holder;
        }
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        Objects.requireNonNull(options, "options");
        if (payloads.isEmpty()) {
            return List.of();
        }
        if (options.uniqueKey() != null) {
            // every payload shares the key: the first push holds it and the others return its id
            List<String> ids = new ArrayList<>(payloads.size());
            for (T payload : payloads) {
                ids.add(push(payload, options));
            }
            return ids;
        }
        List<String> json = new ArrayList<>(payloads.size());
        for (T payload : payloads) {
            json.add(checkLength(codec.encode(payload)));
        }
        String metadata = encodeMetadata(ApiaryProvider.instance().pushing(queue, options, payloads.size())
                .metadata());
        return enqueue("push " + payloads.size() + " jobs",
                (em, notify) -> table.insertAll(em, json, metadata, options, now(), notify));
    }

    /** Fails a push at once, before any SQL, when its payload would not fit (or fail deep in the JDBC driver). */
    private String checkLength(String json) {
        if (json.length() > maxPayloadLength) {
            throw new PayloadTooLargeException(queue, json.length(), maxPayloadLength,
                    "JpaJobStorage.Builder.maxPayloadLength(..), or for the default storage the key apiary.queues."
                    + queue + ".max-payload-length, up to what the payload column holds");
        }
        return json;
    }

    /** {@code work} gets the entity manager and whether to notify other nodes (once per transaction). */
    private <R> R enqueue(String what, BiFunction<EntityManager, Boolean, R> work) {
        try {
            return tx.enqueue(work, wakeUpOnce);
        } catch (PersistenceException e) {
            throw failure(what, e);
        }
    }

    // ---- recurring schedules

    /** The schedules that push to this queue, in {@code apiary_schedules} ({@link ScheduleEntity}). */
    @Override
    public Optional<ScheduleStore<T>> scheduleStore() {
        return Optional.of(schedules);
    }

    /** What a schedule's fire needs of the storage: its own transactions and the inserts of a push. */
    private final class ScheduleJobs implements JpaScheduleStore.Jobs {

        @Override
        public <R> R run(String what, Function<EntityManager, R> work) {
            return JpaJobStorage.this.run(what, work);
        }

        @Override
        @SuppressWarnings("unchecked")
        public String insert(EntityManager em, Object payload, JobOptions options) {
            String json = checkLength(codec.encode((T) payload));
            String metadata = encodeMetadata(options.metadata());
            return options.uniqueKey() == null ? table.insert(em, json, metadata, options, now(), false)
                    : table.insertUnique(em, json, metadata, options, now());
        }

        @Override
        public void afterFire(EntityManager em) {
            table.notifyOtherNodes(em);
        }

        @Override
        public void wakeUp() {
            JpaJobStorage.this.wakeUp();
        }
    }

    // ---- claim and settle

    @Override
    public List<Job<T>> claim(String workerId, int max) {
        Objects.requireNonNull(workerId, "workerId");
        if (max <= 0) {
            return List.of();
        }
        boolean joined = tx.joinsCaller();
        ClaimRound round = new ClaimRound();
        List<Job<T>> claimed;
        try {
            claimed = runRetrying("claim jobs for worker '" + workerId + "'", bounded(em -> {
                round.handedBack = joined ? Set.of()
                        : Set.copyOf(unansweredClaims.getOrDefault(workerId, Set.of()));
                round.released = round.handedBack.isEmpty() ? 0
                        : table.releaseUnanswered(em, workerId, round.handedBack);
                LocalDateTime now = now();
                round.tried.add(now);
                List<Job<T>> jobs = new ArrayList<>();
                List<String> undecodable = new ArrayList<>();
                for (JobEntity row : table.claim(em, workerId, max, now)) {
                    try {
                        jobs.add(new Job<>(codec.decode(row.payload, payloadType), context(row)));
                    } catch (CodecException e) {
                        table.kill(em, row.id, StoredText.error("Payload cannot be decoded, so the job can never run: "
                                + e.getMessage()), List.of(JobStatus.RUNNING), now);
                        undecodable.add(row.id);
                    }
                }
                if (!undecodable.isEmpty()) {
                    LOG.warning(() -> "Killed jobs " + undecodable + " of queue '" + queue + "' at claim: their "
                            + "payload cannot be decoded into " + payloadType.getName());
                }
                return jobs;
            }));
        } catch (RuntimeException e) {
            if (!joined) {
                // the commit may have happened with only its answer lost: then jobs run under this worker that it
                // never got, and its heartbeats would keep them from the orphan sweep for ever
                unansweredClaims.computeIfAbsent(workerId, k -> ConcurrentHashMap.newKeySet()).addAll(round.tried);
            }
            throw e;
        }
        if (!round.handedBack.isEmpty()) {
            unansweredClaims.computeIfPresent(workerId, (k, times) -> {
                times.removeAll(round.handedBack);
                return times.isEmpty() ? null : times;
            });
            int count = round.released;
            if (count > 0) {
                LOG.info(() -> "Handed back " + count + " jobs of queue '" + queue + "' that earlier claims of worker '"
                        + workerId + "' took while their answer was lost");
            }
        }
        return claimed;
    }

    /** What the transactions of one claim call did (it may run more than one), read once the call ends. */
    private static final class ClaimRound {
        /** The lock time of every transaction tried. */
        final List<LocalDateTime> tried = new ArrayList<>();
        /** The unanswered claims the last transaction handed back, and how many jobs that freed. */
        Set<LocalDateTime> handedBack = Set.of();
        int released;
    }

    /**
     * Done jobs without a result are written with one statement per (worker, attempt) group, usually one per batch;
     * a done job's result and other outcomes' error text and run-at take one statement per job. Every statement matches the job on id, worker,
     * attempt and running status, so an outcome from a worker that lost the job changes nothing.
     */
    @Override
    public void settle(List<Settlement> settlements) {
        if (settlements.isEmpty()) {
            return;
        }
        boolean retried = runRetrying("settle " + settlements.size() + " jobs", bounded(em -> {
            LocalDateTime now = now();
            Map<Holder, List<String>> done = new LinkedHashMap<>();
            boolean pending = false;
            for (Settlement s : settlements) {
                JobContext job = s.job();
                JobStatus next = s.status();
                if (next == JobStatus.DONE) {
                    Object result = s.result();
                    if (result != null) {
                        table.settleDone(em, job, encodeResult(result, job), now);
                        continue;
                    }
                    done.computeIfAbsent(new Holder(job.workerId(), job.attempt()), k -> new ArrayList<>())
                            .add(job.id());
                } else if (next == JobStatus.PENDING) {
                    pending |= table.settleRetry(em, job, s.runAt(), StoredText.error(s.error()));
                } else {
                    table.settleFinal(em, job, next, StoredText.error(s.error()), now);
                }
            }
            done.forEach((holder, ids) -> table.settleDone(em, holder.workerId(), holder.attempt(), ids, now));
            return pending;
        }));
        if (retried) {
            wakeUp();
        }
    }

    private String encodeResult(Object result, JobContext job) {
        try {
            return StoredText.result(codec.encode(result));
        } catch (CodecException e) {
            // the job did its work: it is done, only its result is lost; failing the batch would retry it forever
            LOG.log(Level.WARNING, "Job " + job.id() + " of queue '" + queue + "' is done, but its result (a "
                    + result.getClass().getName() + ") cannot be encoded as JSON, so it is not kept; return a"
                    + " value the codec can encode", e);
            return null;
        }
    }

    /** Who held the jobs of one done-statement. */
    private record Holder(String workerId, int attempt) {
    }

    @Override
    public void release(String workerId, List<String> jobIds) {
        if (jobIds.isEmpty()) {
            return;
        }
        int released = runRetrying("release jobs of worker '" + workerId + "'", bounded(em -> {
            int count = table.release(em, workerId, jobIds);
            if (count > 0) {
                table.notifyOtherNodes(em);
            }
            return count;
        }));
        if (released > 0) {
            wakeUp();
        }
    }

    // ---- liveness

    /** Creates or refreshes the worker's row in {@code apiary_workers}. */
    @Override
    public void heartbeat(String workerId) {
        Objects.requireNonNull(workerId, "workerId");
        run("record the heartbeat of worker '" + workerId + "'", bounded(em -> {
            table.heartbeat(em, workerId, host, this::now);
            return null;
        }));
    }

    /**
     * Creates or refreshes the instance's row with its name, state and counters; at most once per tenth of the
     * worker retention, also removes rows (of any queue) not seen for the whole retention.
     */
    @Override
    public void heartbeat(WorkerSnapshot instance) {
        Objects.requireNonNull(instance, "instance");
        long now = System.nanoTime();
        long purged = workersPurgedAt;
        boolean purge = purged == 0 || now - purged >= workerRetention.toNanos() / 10;
        if (purge) {
            workersPurgedAt = now;
        }
        run("record the heartbeat of worker '" + instance.instanceId() + "'", bounded(em -> {
            table.heartbeat(em, instance, host, this::now);
            if (purge) {
                table.purgeWorkers(em, JobTable.utc(clock.instant().minus(workerRetention)));
            }
            return null;
        }));
    }

    /** The instances that heartbeat through this queue, on every node sharing the database. */
    @Override
    public List<WorkerRecord> workers() {
        return run("list workers", em -> table.workers(em).stream().map(w -> new WorkerRecord(w.id, w.workerName,
                w.queue, w.host, w.workerState, w.runningJobs == null ? 0 : w.runningJobs,
                w.doneJobs == null ? 0 : w.doneJobs, w.failedJobs == null ? 0 : w.failedJobs,
                JobTable.instant(w.startedAt), JobTable.instant(w.lastHeartbeat))).toList());
    }

    @Override
    public boolean progress(JobContext job, int percent, String message) {
        String stored = StoredText.progressMessage(message);
        return run("store the progress of job " + job.id(), bounded(em -> table.progress(em, job, percent, stored,
                now())));
    }

    /**
     * Recovers this queue's running jobs whose lock is older than {@code lease} and whose worker has no heartbeat
     * within the lease (or no row at all: a worker that never heartbeat is judged by its lock time alone).
     */
    @Override
    public int reenqueueOrphans(Duration lease) {
        Instant now = clock.instant();
        LocalDateTime cutoff = JobTable.utc(now.minus(lease));
        int reenqueued = run("reenqueue orphaned jobs", bounded(em -> {
            int count = table.reenqueueOrphans(em, cutoff, JobTable.utc(now), "Reenqueued: its worker stopped "
                    + "heartbeating for longer than the lease of " + lease);
            if (count > 0) {
                table.notifyOtherNodes(em);
            }
            return count;
        }));
        if (reenqueued > 0) {
            wakeUp();
        }
        return reenqueued;
    }

    /**
     * Calls {@code wakeup} after every push, retry and release through this storage and, when the database is
     * PostgreSQL and {@link Builder#notifications(DataSource)} was given, after every push on any node (LISTEN on one
     * connection shared by the storages of that DataSource). Without notifications, other nodes' pushes are found by
     * the next poll.
     */
    @Override
    public AutoCloseable onAvailable(Runnable wakeup) {
        Objects.requireNonNull(wakeup, "wakeup");
        listeners.add(wakeup);
        startListening();
        return () -> listeners.remove(wakeup);
    }

    private synchronized void startListening() {
        if (notifications == null && dialect == SqlDialect.POSTGRESQL && notificationSource != null) {
            notifications = PgNotificationListener.subscribe(notificationSource, queue, this::wakeUp, threadFactory);
        }
    }

    private void wakeUp() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A wake-up listener of queue '" + queue + "' failed", e);
            }
        }
    }

    // ---- inspection and administration

    @Override
    public Optional<StoredJob<T>> find(String id) {
        return run("find job " + id, em -> table.find(em, id).map(this::stored));
    }

    @Override
    public Map<JobStatus, Long> counts() {
        return run("count jobs", table::counts);
    }

    /** Newest first. */
    @Override
    public JobPage<T> list(JobQuery query) {
        return run("list jobs", em -> new JobPage<>(
                table.page(em, query.status(), query.offset(), query.limit()).stream().map(this::stored).toList(),
                table.count(em, query.status()), query.offset(), query.limit()));
    }

    /**
     * Sets a pending, failed or killed job to run now with a fresh attempt budget. Its unique key becomes active
     * again unless another job took it meanwhile; then the requeued job runs without holding the key.
     */
    @Override
    public boolean requeue(String id) {
        boolean requeued = run("requeue job " + id, em -> {
            boolean done = table.requeue(em, id, now());
            if (done) {
                table.notifyOtherNodes(em);
            }
            return done;
        });
        if (requeued) {
            wakeUp();
        }
        return requeued;
    }

    @Override
    public boolean kill(String id, String reason) {
        String stored = StoredText.error(reason);
        return run("kill job " + id, em -> table.kill(em, id, stored, List.of(JobStatus.PENDING, JobStatus.RUNNING),
                now()));
    }

    @Override
    public Optional<StoredJob<T>> findByUniqueKey(String uniqueKey) {
        Objects.requireNonNull(uniqueKey, "uniqueKey");
        return run("find the job with unique key '" + uniqueKey + "'",
                em -> table.findByUniqueKey(em, uniqueKey).map(this::stored));
    }

    @Override
    public List<StoredJob<T>> findByMetadata(String key, String value, int limit) {
        String pair = codec.encode(Map.of(key, value));
        String inner = pair.substring(1, pair.length() - 1);
        return run("find jobs by metadata '" + key + "'", em -> table.findByMetadataText(em, inner, limit).stream()
                .map(this::stored).filter(job -> value.equals(job.metadata().get(key))).toList());
    }

    @Override
    public boolean delete(String id) {
        return run("delete job " + id, em -> table.delete(em, id));
    }

    @Override
    public int requeueAll(JobStatus status) {
        if (status == JobStatus.RUNNING || status == JobStatus.DONE) {
            return 0;
        }
        int requeued = run("requeue the " + status + " jobs", em -> {
            int count = table.requeueAll(em, status, now());
            if (count > 0) {
                table.notifyOtherNodes(em);
            }
            return count;
        });
        if (requeued > 0) {
            wakeUp();
        }
        return requeued;
    }

    @Override
    public int killAll(JobStatus status, String reason) {
        if (status.isFinal()) {
            return 0;
        }
        String stored = StoredText.error(reason);
        return run("kill the " + status + " jobs", em -> table.killAll(em, status, stored, now()));
    }

    @Override
    public int deleteAll(JobStatus status) {
        if (status == JobStatus.RUNNING) {
            return 0;
        }
        return run("delete the " + status + " jobs", em -> table.deleteAll(em, status));
    }

    /** Counted in the database, per minute; {@code since} is taken as at most one day ago. */
    @Override
    public List<Throughput> throughput(Instant since) {
        Instant dayAgo = clock.instant().minus(Duration.ofDays(1)).plusSeconds(60);
        Instant from = since.isBefore(dayAgo) ? dayAgo : since;
        return run("count finished jobs per minute", em -> table.throughput(em, JobTable.utc(from)));
    }

    @Override
    public int purgeFinished(Instant before) {
        return run("purge finished jobs", em -> table.purgeFinishedBefore(em, JobTable.utc(before)));
    }

    @Override
    public boolean isAvailable() {
        try {
            run("check the database", bounded(em -> {
                table.ping(em);
                return null;
            }));
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Job storage of queue '" + queue + "' is not available", e);
            return false;
        }
    }

    /**
     * Stops listening for other nodes' pushes (the shared LISTEN connection closes with its last storage); the
     * storage holds no other resources, and the entity manager factory stays the caller's.
     */
    @Override
    public synchronized void close() {
        if (notifications != null) {
            try {
                notifications.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "Stopping the notifications of queue '" + queue + "' failed", e);
            }
            notifications = null;
        }
    }

    // ---- mapping

    private JobContext context(JobEntity e) {
        return new JobContext(e.id, e.queue, e.attempts, e.maxAttempts, JobTable.instant(e.runAt), e.priority,
                JobTable.instant(e.enqueuedAt), e.workerId, decodeMetadata(e));
    }

    private StoredJob<T> stored(JobEntity e) {
        T payload;
        try {
            payload = codec.decode(e.payload, payloadType);
        } catch (CodecException ex) {
            payload = null;
        }
        return new StoredJob<>(e.id, e.queue, payload, e.payload, e.status, e.attempts, e.maxAttempts,
                JobTable.instant(e.runAt), e.priority, JobTable.instant(e.enqueuedAt), e.workerId, e.lastError,
                JobTable.instant(e.finishedAt), decodeMetadata(e), e.uniqueKey, e.progress == null ? null
                : new Progress(e.progress, e.progressMessage, JobTable.instant(e.progressAt)), e.result);
    }

    private String encodeMetadata(Map<String, String> metadata) {
        return metadata.isEmpty() ? null : codec.encode(StoredText.metadata(metadata));
    }

    private Map<String, String> decodeMetadata(JobEntity e) {
        if (e.metadata == null) {
            return Map.of();
        }
        try {
            Map<?, ?> raw = codec.decode(e.metadata, Map.class);
            Map<String, String> metadata = new HashMap<>();
            raw.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
            return metadata;
        } catch (CodecException ex) {
            throw new StorageException("Metadata of job " + e.id + " in queue '" + queue + "' is not a JSON "
                    + "object: " + e.metadata, ex);
        }
    }

    private LocalDateTime now() {
        return JobTable.utc(clock.instant());
    }

    /**
     * {@code work} with the statement and lock timeouts: the worker loop's own operations (claims, settles,
     * heartbeats, releases, orphan sweeps, progress, the readiness check), so that a database that hangs fails them
     * within the timeout instead of holding the worker's threads. Not in a caller's transaction, whose statements
     * are the caller's to bound.
     */
    private <R> Function<EntityManager, R> bounded(Function<EntityManager, R> work) {
        if (statementTimeout.isZero() && lockTimeout.isZero()) {
            return work;
        }
        return em -> {
            if (!tx.joinsCaller()) {
                table.limitTime(em, statementTimeout, lockTimeout);
            }
            return work.apply(em);
        };
    }

    private <R> R run(String what, Function<EntityManager, R> work) {
        try {
            return tx.inTransaction(work);
        } catch (PersistenceException e) {
            throw failure(what, e);
        }
    }

    /**
     * Runs {@code work} again in a fresh transaction when the database chose it as a deadlock or serialization
     * victim: claimers and settlers racing for the same rows may meet that way on databases without
     * {@code SKIP LOCKED}, and the retry is safe because the failed transaction was rolled back. In a caller's
     * transaction there is nothing to retry with, so the failure goes to the caller.
     */
    private <R> R runRetrying(String what, Function<EntityManager, R> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return tx.inTransaction(work);
            } catch (PersistenceException e) {
                if (attempt == 3 || !isTransient(e) || tx.joinsCaller()) {
                    throw failure(what, e);
                }
                LOG.fine(() -> "Retrying to " + what + " in queue '" + queue + "' after " + e);
            }
        }
    }

    private static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OptimisticLockException || t instanceof PessimisticLockException
                    || t instanceof LockTimeoutException) {
                return true;
            }
            // SQL state class 40: transaction rollback (deadlock, serialization failure)
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("40")) {
                return true;
            }
        }
        return false;
    }

    private StorageException failure(String what, PersistenceException e) {
        if (refusedData(e)) {
            return new RecordRefusedException("Job storage of queue '" + queue + "' could not " + what + ": the "
                    + "database refused the data: " + e.getMessage(), e);
        }
        String hint = missingTable(e) ? ". " + JobSchema.missingTablesMessage(JobSchema.TABLES, "job storage's") : "";
        return new StorageException("Job storage of queue '" + queue + "' could not " + what + ": " + e.getMessage()
                + hint, e);
    }

    /**
     * Whether the database refused the values written rather than the statement or the connection: SQL state class
     * 22, data exception (PostgreSQL 22021 for a NUL or bytes its encoding lacks, 22P05 for a character a
     * single-byte encoding has no code for, 22001 for a value too long on every database), or 54, a limit of the
     * database exceeded by a value. Writing the same values again fails the same way.
     */
    private static boolean refusedData(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("54"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the database said a table does not exist: PostgreSQL 42P01; H2 42S02, and 42S04 when the database is
     * empty.
     */
    private static boolean missingTable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && Set.of("42P01", "42S02", "42S04").contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** A persistence unit without Apiary's entities fails deep inside the provider at the first query: say it here. */
    private static void requireEntities(EntityManagerFactory emf, String queue) {
        List<String> missing = new ArrayList<>();
        for (Class<?> entity : List.of(JobEntity.class, WorkerEntity.class)) {
            try {
                emf.getMetamodel().entity(entity);
            } catch (IllegalArgumentException e) {
                missing.add(entity.getName());
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException("The persistence unit of the job storage of queue '" + queue + "' does"
                    + " not manage Apiary's entities " + missing + ": list them in its persistence.xml ("
                    + missing.stream().map(c -> "<class>" + c + "</class>").collect(java.util.stream.Collectors
                    .joining(" ")) + "), or drop the storage producer and let Apiary's default storage use its own"
                    + " persistence unit 'apiary'");
        }
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * Builds a {@link JpaJobStorage}. Only the queue is required; the defaults are resource-local transactions, the
     * JSON-B codec, the system UTC clock, a detected {@link SqlDialect} and no cross-node notifications.
     *
     * @param <T> the payload type, fixed by {@link #queue(String, Class)}
     */
    public static final class Builder<T> {

        private final EntityManagerFactory emf;
        private String queue;
        private Class<T> payloadType;
        private Codec codec;
        private Clock clock = Clock.systemUTC();
        private boolean jta;
        private TransactionSynchronizationRegistry registry;
        private UserTransaction userTransaction;
        private SqlDialect dialect;
        private DataSource notificationSource;
        private ThreadFactory threadFactory = Executors.defaultThreadFactory();
        private int maxPayloadLength = DEFAULT_MAX_PAYLOAD_LENGTH;
        private Duration workerRetention;
        private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
        private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;

        private Builder(EntityManagerFactory emf) {
            this.emf = emf;
        }

        /** The queue this storage serves and the type its payloads decode to. Required. */
        @SuppressWarnings("unchecked")
        public <P> Builder<P> queue(String name, Class<P> type) {
            if (name == null || name.isBlank() || name.length() > 200) {
                throw new ConfigurationException("A JPA job storage needs a queue name of 1 to 200 characters, "
                        + "was '" + name + "'");
            }
            Builder<P> self = (Builder<P>) this;
            self.queue = name;
            self.payloadType = Objects.requireNonNull(type, "payload type of queue '" + name + "'");
            return self;
        }

        /** The payload codec; the default is JSON-B. */
        public Builder<T> codec(Codec value) {
            this.codec = Objects.requireNonNull(value, "codec");
            return this;
        }

        /** The clock for run-at, lock and heartbeat times; all nodes should have synchronised clocks. */
        public Builder<T> clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Resource-local transactions (the default, for Java SE): the storage begins and commits its own; pushes
         * join a caller's transaction bound with {@link JpaJobStorage#joining(EntityManager)}.
         */
        public Builder<T> resourceLocal() {
            this.jta = false;
            return this;
        }

        /**
         * JTA transactions, for a container-managed persistence unit: a push joins the caller's active
         * transaction, other operations too when one is active, and otherwise run in their own
         * ({@code java:comp/UserTransaction}). Looks up both objects by their standard JNDI names.
         */
        public Builder<T> jta() {
            return jta(null, null);
        }

        /** JTA transactions with the given registry and user transaction ({@code null}: look up by JNDI). */
        public Builder<T> jta(TransactionSynchronizationRegistry registry, UserTransaction userTransaction) {
            this.jta = true;
            this.registry = registry;
            this.userTransaction = userTransaction;
            return this;
        }

        /** The SQL to use; detected from the database when not set. */
        public Builder<T> dialect(SqlDialect value) {
            this.dialect = Objects.requireNonNull(value, "dialect");
            return this;
        }

        /**
         * Where to open a connection for PostgreSQL LISTEN, so that a push on any node wakes this node's idle
         * workers at once. Ignored on other databases. Without it, other nodes' jobs are found by polling.
         */
        public Builder<T> notifications(DataSource dataSource) {
            if (dataSource == null) {
                throw new ConfigurationException("notifications(dataSource) of the job storage of queue '" + queue
                        + "' got no DataSource: the lookup or @Resource injection that should have given it found"
                        + " nothing. Open Liberty binds java:comp/DefaultDataSource only when server.xml defines"
                        + " <dataSource id=\"DefaultDataSource\" ...>; otherwise look up the JNDI name of a data"
                        + " source the server defines, or leave notifications out (workers then find other nodes'"
                        + " jobs by polling)");
            }
            this.notificationSource = dataSource;
            return this;
        }

        /** Makes the listener thread; in a container pass a {@code ManagedThreadFactory}. */
        public Builder<T> threadFactory(ThreadFactory value) {
            this.threadFactory = Objects.requireNonNull(value, "threadFactory");
            return this;
        }

        /**
         * The longest payload, in characters of JSON, a push accepts; a longer one fails with
         * {@link PayloadTooLargeException} before any SQL. The default, {@value JpaJobStorage#DEFAULT_MAX_PAYLOAD_LENGTH},
         * is what the column generated from the entity holds; the shipped scripts' columns hold more.
         */
        public Builder<T> maxPayloadLength(int characters) {
            if (characters < 1) {
                throw new ConfigurationException("maxPayloadLength must be at least 1, was " + characters);
            }
            this.maxPayloadLength = characters;
            return this;
        }

        /**
         * How long the row of a worker instance that stopped heartbeating stays in {@code apiary_workers} (and in
         * {@link JpaJobStorage#workers()}); by default {@code apiary.storage.worker-retention}, or one hour. Longer than
         * any worker's lease.
         */
        public Builder<T> workerRetention(Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new ConfigurationException("workerRetention must be positive, was " + value);
            }
            this.workerRetention = value;
            return this;
        }

        /**
         * How long one statement of a worker's claim, settle, heartbeat, release, orphan sweep or readiness check may
         * run before it fails (default 10 s, {@link JpaJobStorage#DEFAULT_STATEMENT_TIMEOUT}; zero: no limit), so that a database
         * that hangs fails the operation (the worker backs off and retries, readiness goes DOWN) instead of holding
         * the worker's threads. On PostgreSQL the server's {@code statement_timeout} for that transaction, elsewhere
         * JPA's query timeout hint (whole seconds). A connection whose peer stops answering altogether is only
         * noticed by the JDBC driver's socket timeout: set one on the data source (PostgreSQL: {@code socketTimeout})
         * longer than this.
         */
        public Builder<T> statementTimeout(Duration value) {
            this.statementTimeout = notNegative("statementTimeout", value);
            return this;
        }

        /**
         * How long a statement of those operations may wait for a row lock before it fails (default 5 s,
         * {@link JpaJobStorage#DEFAULT_LOCK_TIMEOUT}; zero: no limit of its own). PostgreSQL's {@code lock_timeout} for that
         * transaction; other databases have no portable one, and the statement timeout bounds the wait there.
         */
        public Builder<T> lockTimeout(Duration value) {
            this.lockTimeout = notNegative("lockTimeout", value);
            return this;
        }

        private static Duration notNegative(String name, Duration value) {
            if (value == null || value.isNegative()) {
                throw new ConfigurationException(name + " must be zero (no limit) or positive, was " + value);
            }
            return value;
        }

        /** The storage; detects the database unless {@link #dialect} was set. */
        public JpaJobStorage<T> build() {
            if (queue == null) {
                throw new ConfigurationException("JpaJobStorage.builder(emf) needs .queue(name, payloadType) "
                        + "before build()");
            }
            return new JpaJobStorage<>(this);
        }
    }
}
