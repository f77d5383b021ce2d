package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobResult;
import dev.apiary.JobStatus;
import dev.apiary.PayloadTooLargeException;
import dev.apiary.flow.FlowView;
import dev.apiary.flow.WorkflowException;
import dev.apiary.QueueLimits;
import dev.apiary.spi.ApiaryProvider;
import dev.apiary.spi.Codec;
import dev.apiary.spi.FlowPlan;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.LimitWakeUps;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.NodeIdentity;
import dev.apiary.spi.PayloadCodec;
import dev.apiary.spi.ScheduleStore;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;
import dev.apiary.spi.Throughput;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;

import javax.sql.DataSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Logger;

/**
 * A {@link JobStorage} for one queue in a relational database through JPA 3.1 (Hibernate 6.6, EclipseLink 4.0).
 * The persistence unit must list {@link JobEntity} and {@link WorkerEntity} (and {@link ScheduleEntity} for recurring
 * jobs; {@link PausedQueueEntity} only where JPA schema generation creates the tables); the tables come from
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
    /** The default longest result: the length of the result column JPA generates from {@link JobEntity}. */
    public static final int DEFAULT_MAX_RESULT_LENGTH = 1_000_000;
    /** How long one statement of a worker's claim, settle or heartbeat may run by default. */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(10);
    /** How long such a statement may wait for a row lock by default (PostgreSQL). */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());

    // One part per job, wired once here: Pushes (enqueue), HeldJobs (claim, settle, release, progress, the orphan
    // sweep), Heartbeats (worker rows, readiness), Administration (what operators read and do), the schedule store
    // and WakeUps (listeners, LISTEN). Their statements are in JobTable, WorkerTable and JpaScheduleStore, one per
    // table; StorageTransactions runs them and DatabaseFailures says what a failure means.
    private final String queue;
    private final Class<T> payloadType;
    private final SqlDialect dialect;
    private final WakeUps wakeUps;
    private final Pushes<T> pushes;
    private final HeldJobs<T> held;
    private final Heartbeats heartbeats;
    private final Administration<T> administration;
    private final ScheduleStore<T> schedules;
    private final PausedQueues pauses;
    /** For flows: the database a flow's storages must share, and the parts that write a flow's jobs. */
    private final EntityManagerFactory emf;
    private final FlowTable flows;
    private final JobTable table;
    private final JobMapping<T> mapping;
    private final StorageTransactions transactions;
    private final Clock clock;
    /** The payload codec, which also reads results. */
    private final Codec codec;
    private final LimitWakeUps limitWakeUps;

    private JpaJobStorage(Builder<T> b) {
        StorageSetup.requireEntities(b.emf, b.queue);
        this.queue = b.queue;
        this.payloadType = b.payloadType;
        this.codec = PayloadCodec.of(b.codec == null ? ApiaryProvider.instance().codec() : b.codec);
        Transactions tx = b.jta ? new JtaTransactions(b.emf, b.registry, b.userTransaction)
                : new ResourceLocalTransactions(b.emf);
        StorageTransactions unbounded = new StorageTransactions(queue, tx);
        this.dialect = b.dialect != null ? b.dialect
                : b.notificationSource != null ? DialectDetection.detect(b.notificationSource)
                : DialectDetection.detect(unbounded, b.emf);
        String how = b.dialect != null ? "as set on the builder" : "detected";
        LOG.info(() -> "Job storage of queue '" + queue + "' uses " + dialect + " SQL (" + how + ")");
        String node = b.node != null ? b.node
                : Objects.requireNonNullElse(NodeIdentity.given(ApiaryProvider.instance().node()), NodeIdentity.detected());
        Duration workerRetention = b.workerRetention == null ? ApiaryProvider.instance().workerRetention()
                : b.workerRetention;

        JobTable table = new JobTable(queue, payloadType, dialect);
        FlowTable flowTable = new FlowTable(dialect);
        StorageTransactions transactions = unbounded.bounding(table, b.statementTimeout, b.lockTimeout);
        JobMapping<T> mapping = new JobMapping<>(queue, payloadType, codec, b.maxPayloadLength, b.maxResultLength);
        this.wakeUps = new WakeUps(queue, dialect, b.notificationSource, b.threadFactory);
        this.pushes = new Pushes<>(queue, table, mapping, transactions, wakeUps, b.clock);
        this.held = new HeldJobs<>(queue, payloadType, table, mapping, transactions, wakeUps, b.clock, node,
                flowTable);
        this.heartbeats = new Heartbeats(queue, new WorkerTable(queue), transactions, b.clock, node,
                workerRetention);
        this.administration = new Administration<>(table, mapping, transactions, wakeUps, b.clock, flowTable);
        this.schedules = new JpaScheduleStore<>(queue, dialect, b.clock, pushes.forSchedules());
        this.pauses = new PausedQueues(queue, table, transactions, wakeUps, b.clock);
        this.emf = b.emf;
        this.flows = flowTable;
        this.table = table;
        this.mapping = mapping;
        this.transactions = transactions;
        this.clock = b.clock;
        this.limitWakeUps = new LimitWakeUps(b.clock, wakeUps::wakeUp);
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
        return pushes.push(payload, given);
    }

    @Override
    public String pushJson(String json, JobOptions options) {
        return pushes.pushJson(json, options);
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        return pushes.pushAll(payloads, options);
    }

    // ---- flows

    /**
     * Stores the flow in one transaction of this storage: each step's job through its queue's storage (which must be
     * a {@code JpaJobStorage} on the same entity manager factory), waiting steps as {@code WAITING}, and the flow's
     * rows in {@code apiary_flows}, {@code apiary_flow_jobs} and {@code apiary_flow_edges}.
     */
    @Override
    public Map<String, String> startFlow(FlowPlan plan) {
        for (FlowPlan.Step step : plan.steps()) {
            if (!(step.storage() instanceof JpaJobStorage<?> other) || other.emf != emf) {
                throw new WorkflowException("Flow '" + plan.name() + "': step '" + step.name() + "' runs in queue '"
                        + step.storage().queue() + "', whose storage is not a JPA storage on the same database as"
                        + " queue '" + queue + "'; the queues of one flow must share one database");
            }
        }
        Set<JpaJobStorage<?>> started = new LinkedHashSet<>();
        Map<String, String> ids = transactions.enqueue("start flow '" + plan.name() + "' of " + plan.steps().size()
                + " jobs", (em, notify) -> {
            started.clear();
            LocalDateTime now = JobTable.utc(clock.instant());
            Map<String, String> byStep = new LinkedHashMap<>();
            List<FlowTable.Member> members = new ArrayList<>(plan.steps().size());
            List<FlowPlan.Step> steps = plan.steps();
            for (int i = 0; i < steps.size(); ) {
                // consecutive steps of one storage with the same options go in one multi-row insert (a batch's jobs)
                FlowPlan.Step first = steps.get(i);
                int end = i + 1;
                while (end < steps.size() && steps.get(end).storage() == first.storage()
                        && steps.get(end).options() == first.options()
                        && steps.get(end).after().isEmpty() == first.after().isEmpty()) {
                    end++;
                }
                JpaJobStorage<?> storage = (JpaJobStorage<?>) first.storage();
                List<String> jobIds = storage.insertFlowJobs(em, steps.subList(i, end), plan.id(), now);
                for (int k = i; k < end; k++) {
                    FlowPlan.Step step = steps.get(k);
                    String id = jobIds.get(k - i);
                    byStep.put(step.name(), id);
                    members.add(new FlowTable.Member(id, step.name(), storage.queue, step.after().size(),
                            step.input(), step.continueOnFailure()));
                }
                if (first.after().isEmpty()) {
                    started.add(storage);
                }
                i = end;
            }
            flows.insert(em, plan, members, now);
            if (notify) {
                started.forEach(storage -> storage.table.notifyOtherNodes(em));
            }
            return byStep;
        }, () -> started.forEach(storage -> storage.wakeUps.wakeUp()));
        return ids;
    }

    /** Inserts the jobs of these steps of one flow (waiting ones with an empty payload), in the caller's transaction. */
    @SuppressWarnings("unchecked")
    private List<String> insertFlowJobs(EntityManager em, List<FlowPlan.Step> steps, String flowId,
                                        LocalDateTime now) {
        JobOptions options = ApiaryProvider.instance().pushing(queue, steps.get(0).options() == null
                ? JobOptions.defaults() : steps.get(0).options(), steps.size())
                .withMetadata(FlowPlan.METADATA_KEY, flowId);
        List<String> json = new ArrayList<>(steps.size());
        for (FlowPlan.Step step : steps) {
            json.add(step.after().isEmpty() ? mapping.payload((T) step.payload()) : "null");
        }
        return table.insertAll(em, json, mapping.metadata(options.metadata()), options, now, false);
    }

    @Override
    public Optional<FlowView> flow(String flowId) {
        return transactions.run("read flow " + flowId, em -> flows.view(em, flowId));
    }

    // ---- recurring schedules

    /** The schedules that push to this queue, in {@code apiary_schedules} ({@link ScheduleEntity}). */
    @Override
    public Optional<ScheduleStore<T>> scheduleStore() {
        return Optional.of(schedules);
    }

    // ---- pause and resume

    /** Pauses the queue on every node: the row in {@code apiary_paused_queues} that every claim checks. */
    @Override
    public void pause() {
        pauses.pause();
    }

    /** Resumes the queue and notifies other nodes (on PostgreSQL with a notification data source). */
    @Override
    public void resume() {
        pauses.resume();
    }

    @Override
    public boolean isPaused() {
        return pauses.isPaused();
    }

    // ---- limits

    /**
     * Sets the queue's limits on this node: claims then lock the queue's row in {@code apiary_queue_limits} and count
     * what runs and what started; jobs pushed from now on carry their partition key in {@code partition_key}.
     */
    @Override
    public void limit(QueueLimits limits) {
        Objects.requireNonNull(limits, "limits");
        try {
            transactions.run("set the limits of queue '" + queue + "'", em -> {
                table.limit(em, limits);
                return null;
            });
        } catch (RuntimeException e) {
            // another node inserted the queue's row at the same moment: it is there now, which is all that was needed
            transactions.run("set the limits of queue '" + queue + "'", em -> {
                table.limit(em, limits);
                return null;
            });
        }
    }

    @Override
    public QueueLimits limits() {
        return table.limits();
    }

    /** Wake-ups at the start of a rate period run on the monitor's scheduler. */
    @Override
    public void useExecutors(Executor executor, ScheduledExecutorService scheduler) {
        limitWakeUps.useScheduler(scheduler);
    }

    @Override
    public boolean runningCapReached() {
        return table.runningCapReached();
    }

    // ---- claim and settle

    @Override
    public List<Job<T>> claim(String workerId, int max) {
        List<Job<T>> jobs = held.claim(workerId, max);
        limitWakeUps.claimed(table.limits(), max, jobs.size());
        return jobs;
    }

    /**
     * Done jobs without a result are written with one statement per (worker, attempt) group, usually one per batch;
     * a done job's result and other outcomes' error text and run-at take one statement per job. Every statement matches the job on id, worker,
     * attempt and running status, so an outcome from a worker that lost the job changes nothing.
     */
    @Override
    public void settle(List<Settlement> settlements) {
        held.settle(settlements);
        limitWakeUps.settled(table.runningCapReached());
    }

    @Override
    public void release(String workerId, List<String> jobIds) {
        held.release(workerId, jobIds);
    }

    // ---- liveness

    /** Creates or refreshes the worker's row in {@code apiary_workers}. */
    @Override
    public void heartbeat(String workerId) {
        heartbeats.heartbeat(workerId);
    }

    /**
     * Creates or refreshes the instance's row with its name, state and counters; at most once per tenth of the
     * worker retention, also removes rows (of any queue) not seen for the whole retention.
     */
    @Override
    public void heartbeat(WorkerSnapshot instance) {
        heartbeats.heartbeat(instance, null);
    }

    /** As {@link #heartbeat(WorkerSnapshot)}, keeping the lease too, so that {@link #workers()} can show it lost. */
    @Override
    public void heartbeat(WorkerSnapshot instance, Duration lease) {
        heartbeats.heartbeat(instance, lease);
    }

    /**
     * The instances that heartbeat through this queue, on every node sharing the database; one silent for longer
     * than its lease shows as {@link WorkerRecord#LOST}, one that stopped gracefully as {@code STOPPED}.
     */
    @Override
    public List<WorkerRecord> workers() {
        return heartbeats.workers();
    }

    @Override
    public boolean progress(JobContext job, int percent, String message) {
        return held.progress(job, percent, message);
    }

    /**
     * Recovers this queue's running jobs whose lock is older than {@code lease} and whose worker has no heartbeat
     * within the lease (or no row at all: a worker that never heartbeat is judged by its lock time alone).
     */
    @Override
    public int reenqueueOrphans(Duration lease) {
        return held.reenqueueOrphans(lease);
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
        return wakeUps.add(wakeup);
    }

    /**
     * Calls {@code listener} after jobs became final (settled, killed, cancelled) or were deleted through this
     * storage and, on PostgreSQL with {@link Builder#notifications(DataSource)}, on any node: NOTIFY on
     * {@value JobTable#FINISHED_CHANNEL} inside a kill, cancel or delete, and right after a settle's commit
     * ({@link CompletionNotices}).
     */
    @Override
    public AutoCloseable onFinished(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        return wakeUps.addFinished(listener);
    }

    @Override
    public <R> Optional<JobResult<R>> result(String id, Class<R> type) {
        Objects.requireNonNull(type, "type");
        return administration.find(id).map(job -> job.toResult(codec, type));
    }

    @Override
    public Map<String, JobStatus> statuses(Collection<String> ids) {
        return administration.statuses(ids);
    }

    // ---- inspection and administration

    @Override
    public Optional<StoredJob<T>> find(String id) {
        return administration.find(id);
    }

    @Override
    public Map<JobStatus, Long> counts() {
        return administration.counts();
    }

    /** Newest first. */
    @Override
    public JobPage<T> list(JobQuery query) {
        return administration.list(query);
    }

    /**
     * Sets a pending, failed or killed job to run now with a fresh attempt budget. Its unique key becomes active
     * again unless another job took it meanwhile; then the requeued job runs without holding the key.
     */
    @Override
    public boolean requeue(String id) {
        return administration.requeue(id);
    }

    @Override
    public boolean cancel(String id, String by, String reason) {
        return administration.cancel(id, by, reason);
    }

    @Override
    public Set<String> cancelled(String workerId, Collection<String> jobIds) {
        return administration.cancelled(jobIds);
    }

    @Override
    public boolean kill(String id, String reason) {
        return administration.kill(id, reason);
    }

    @Override
    public Optional<StoredJob<T>> findByUniqueKey(String uniqueKey) {
        return administration.findByUniqueKey(uniqueKey);
    }

    @Override
    public List<StoredJob<T>> findByMetadata(String key, String value, int limit) {
        return administration.findByMetadata(key, value, limit);
    }

    @Override
    public boolean delete(String id) {
        return administration.delete(id);
    }

    @Override
    public int requeueAll(JobStatus status) {
        return administration.requeueAll(status);
    }

    @Override
    public int killAll(JobStatus status, String reason) {
        return administration.killAll(status, reason);
    }

    @Override
    public int deleteAll(JobStatus status) {
        return administration.deleteAll(status);
    }

    /** Counted in the database, per minute; {@code since} is taken as at most one day ago. */
    @Override
    public List<Throughput> throughput(Instant since) {
        return administration.throughput(since);
    }

    @Override
    public int purgeFinished(Instant before) {
        return administration.purgeFinished(before);
    }

    @Override
    public boolean isAvailable() {
        return heartbeats.isAvailable();
    }

    /**
     * Stops listening for other nodes' pushes (the shared LISTEN connection closes with its last storage); the
     * storage holds no other resources, and the entity manager factory stays the caller's.
     */
    @Override
    public void close() {
        wakeUps.close();
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
        private int maxResultLength = DEFAULT_MAX_RESULT_LENGTH;
        private Duration workerRetention;
        private String node;
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
         * The longest result, in characters of JSON, a done job may keep; a job whose result is longer ends
         * {@link dev.apiary.JobStatus#FAILED failed} with {@link dev.apiary.ResultTooLargeException}'s message (its work
         * is done, so it is not retried). The default, {@value JpaJobStorage#DEFAULT_MAX_RESULT_LENGTH}, is what the
         * column generated from the entity holds; the shipped scripts' columns ({@code TEXT}, {@code CHARACTER VARYING})
         * hold more.
         */
        public Builder<T> maxResultLength(int characters) {
            if (characters < 1) {
                throw new ConfigurationException("maxResultLength must be at least 1, was " + characters);
            }
            this.maxResultLength = characters;
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
         * This node's name on worker rows and on each attempt claimed through this storage; by default
         * {@code apiary.node}, or the name {@link NodeIdentity} detects (host and server, or host and process).
         */
        public Builder<T> node(String name) {
            String given = NodeIdentity.given(name);
            if (given == null) {
                throw new ConfigurationException("node(name) of the job storage of queue '" + queue
                        + "' needs a name that is not blank, was '" + name + "'");
            }
            this.node = given;
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
