package dev.apiary.jpa;

import dev.apiary.CodecException;
import dev.apiary.ConfigurationException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.StorageException;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.impl.storage.JobIds;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;

import javax.sql.DataSource;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link JobStorage} for one queue in a relational database through JPA 3.1 (Hibernate 6.6, EclipseLink 4.0).
 * The persistence unit must list {@link JobEntity} and {@link WorkerEntity}; the tables come from
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

    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());
    /** The PostgreSQL channel for new-job notifications; the payload is the queue name. */
    static final String CHANNEL = "apiary_jobs";
    /**
     * Rows per multi-row insert. Larger statements gain nothing on PostgreSQL or H2, and EclipseLink's parameter
     * handling slows down sharply beyond a few hundred parameters (measured: 1000 rows per statement halve its rate).
     */
    private static final int ROWS_PER_INSERT = 100;
    private static final int IDS_PER_STATEMENT = 1000;
    /** Matches a job only while the settling worker still holds the attempt it ran. */
    private static final String HELD_BY = "WHERE j.id = :id AND j.queue = :queue AND j.status = :running "
            + "AND j.workerId = :worker AND j.attempts = :attempt";
    private static final Comparator<JobEntity> CLAIM_ORDER = Comparator
            .comparingInt((JobEntity e) -> -e.priority)
            .thenComparing(e -> e.runAt)
            .thenComparing(e -> e.id);

    private final String queue;
    private final Class<T> payloadType;
    private final Codec codec;
    private final Clock clock;
    private final Transactions tx;
    private final SqlDialect dialect;
    private final DataSource notificationSource;
    private final ThreadFactory threadFactory;
    private final String host;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** One instance, so that many pushes in one caller transaction wake the workers once. */
    private final Runnable wakeUpOnce = this::wakeUp;
    private PgNotificationListener notificationListener;

    private JpaJobStorage(Builder<T> b) {
        this.queue = b.queue;
        this.payloadType = b.payloadType;
        this.codec = b.codec == null ? new JsonbCodec() : b.codec;
        this.clock = b.clock;
        this.tx = b.jta ? new JtaTransactions(b.emf, b.registry, b.userTransaction)
                : new ResourceLocalTransactions(b.emf);
        this.notificationSource = b.notificationSource;
        this.threadFactory = b.threadFactory;
        this.dialect = b.dialect != null ? b.dialect
                : notificationSource != null ? SqlDialect.detect(notificationSource)
                : run("detect the database", SqlDialect::detect);
        this.host = localHost();
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
    public static Joined joining(EntityManager em) {
        return CallerEntityManager.bind(Objects.requireNonNull(em, "em"));
    }

    /** A scope opened by {@link #joining(EntityManager)}. */
    public interface Joined extends AutoCloseable {
        @Override
        void close();
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
    public String push(T payload, JobOptions options) {
        Objects.requireNonNull(options, "options");
        String json = codec.encode(payload);
        if (options.uniqueKey() == null) {
            return enqueue("push a job", em -> {
                JobEntity job = newJob(json, options, now());
                em.persist(job);
                notifyOthers(em);
                return job.id;
            });
        }
        return dialect == SqlDialect.POSTGRESQL ? pushUniqueOnConflict(json, options) : pushUnique(json, options);
    }

    /**
     * Looks for a job holding the key, else inserts one. Two concurrent pushes may both find none: the unique
     * constraint on {@code (queue, active_key)} fails the second, which then returns the winner's id when it ran in
     * its own transaction (a caller's transaction is spoiled by the failure, so there the error reaches the caller).
     */
    private String pushUnique(String json, JobOptions options) {
        boolean joined = tx.joinsCaller();
        try {
            return enqueue("push a job with unique key '" + options.uniqueKey() + "'", em -> {
                String holder = activeHolder(em, options.uniqueKey());
                if (holder != null) {
                    return holder;
                }
                JobEntity job = newJob(json, options, now());
                em.persist(job);
                return job.id;
            });
        } catch (StorageException e) {
            String holder = joined ? null : run("find the job holding unique key '" + options.uniqueKey() + "'",
                    em -> activeHolder(em, options.uniqueKey()));
            if (holder == null) {
                throw e;
            }
            return holder;
        }
    }

    /**
     * {@code INSERT ... ON CONFLICT DO NOTHING} waits for a concurrent push of the same key to end and then skips
     * the row instead of failing, so even a caller's transaction survives the race.
     */
    private String pushUniqueOnConflict(String json, JobOptions options) {
        String key = options.uniqueKey();
        String metadata = encodeMetadata(options.metadata());
        String sql = "INSERT INTO apiary_jobs (id, queue, payload, payload_type, status, attempts, max_attempts, "
                + "run_at, priority, enqueued_at, unique_key, active_key" + (metadata == null ? "" : ", metadata")
                + ") VALUES (?1, ?2, ?3, ?4, 'PENDING', 0, ?5, ?6, ?7, ?8, ?9, ?9" + (metadata == null ? "" : ", ?10")
                + ") ON CONFLICT (queue, active_key) DO NOTHING";
        return enqueue("push a job with unique key '" + key + "'", em -> {
            // a holder found missing right after a conflict has just become final: the key is free again
            for (int round = 0; round < 3; round++) {
                LocalDateTime now = now();
                String id = JobIds.next();
                var insert = em.createNativeQuery(sql).setParameter(1, id).setParameter(2, queue)
                        .setParameter(3, json).setParameter(4, payloadType.getName())
                        .setParameter(5, options.maxAttempts())
                        .setParameter(6, options.runAt() == null ? now : utc(options.runAt()))
                        .setParameter(7, options.priority()).setParameter(8, now).setParameter(9, key);
                if (metadata != null) {
                    insert.setParameter(10, metadata);
                }
                if (insert.executeUpdate() > 0) {
                    notifyOthers(em);
                    return id;
                }
                String holder = activeHolder(em, key);
                if (holder != null) {
                    return holder;
                }
            }
            throw new StorageException("Unique key '" + key + "' of queue '" + queue + "' kept changing hands; "
                    + "push again");
        });
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
            json.add(codec.encode(payload));
        }
        return enqueue("push " + payloads.size() + " jobs", em -> {
            LocalDateTime now = now();
            List<String> ids = dialect == SqlDialect.STANDARD ? persistAll(em, json, options, now)
                    : insertAll(em, json, options, now);
            notifyOthers(em);
            return ids;
        });
    }

    private List<String> persistAll(EntityManager em, List<String> json, JobOptions options, LocalDateTime now) {
        List<String> ids = new ArrayList<>(json.size());
        for (int i = 0; i < json.size(); i++) {
            JobEntity job = newJob(json.get(i), options, now);
            em.persist(job);
            ids.add(job.id);
            if ((i + 1) % ROWS_PER_INSERT == 0) {
                // keep the persistence context small; the provider's JDBC batching groups the inserts
                em.flush();
                em.clear();
            }
        }
        return ids;
    }

    /** Multi-row inserts: the shared options bound once per statement, two parameters per job. */
    private List<String> insertAll(EntityManager em, List<String> json, JobOptions options, LocalDateTime now) {
        List<String> ids = new ArrayList<>(json.size());
        String metadata = encodeMetadata(options.metadata());
        LocalDateTime runAt = options.runAt() == null ? now : utc(options.runAt());
        for (int from = 0; from < json.size(); from += ROWS_PER_INSERT) {
            int to = Math.min(json.size(), from + ROWS_PER_INSERT);
            StringBuilder sql = new StringBuilder("INSERT INTO apiary_jobs (id, payload, queue, payload_type, "
                    + "status, attempts, max_attempts, run_at, priority, enqueued_at")
                    .append(metadata == null ? ") VALUES " : ", metadata) VALUES ");
            int constants = metadata == null ? 6 : 7;
            for (int row = 0, p = constants + 1; row < to - from; row++, p += 2) {
                sql.append(row == 0 ? "" : ", ").append("(?").append(p).append(", ?").append(p + 1)
                        .append(", ?1, ?2, 'PENDING', 0, ?3, ?4, ?5, ?6").append(metadata == null ? ")" : ", ?7)");
            }
            var insert = em.createNativeQuery(sql.toString())
                    .setParameter(1, queue).setParameter(2, payloadType.getName())
                    .setParameter(3, options.maxAttempts()).setParameter(4, runAt)
                    .setParameter(5, options.priority()).setParameter(6, now);
            if (metadata != null) {
                insert.setParameter(7, metadata);
            }
            for (int i = from, p = constants + 1; i < to; i++, p += 2) {
                String id = JobIds.next();
                ids.add(id);
                insert.setParameter(p, id).setParameter(p + 1, json.get(i));
            }
            insert.executeUpdate();
        }
        return ids;
    }

    private JobEntity newJob(String json, JobOptions options, LocalDateTime now) {
        JobEntity job = new JobEntity(JobIds.next(), queue);
        job.payload = json;
        job.payloadType = payloadType.getName();
        job.status = JobStatus.PENDING;
        job.maxAttempts = options.maxAttempts();
        job.priority = options.priority();
        job.enqueuedAt = now;
        job.runAt = options.runAt() == null ? now : utc(options.runAt());
        job.uniqueKey = options.uniqueKey();
        job.activeKey = options.uniqueKey();
        job.metadata = encodeMetadata(options.metadata());
        return job;
    }

    private String activeHolder(EntityManager em, String uniqueKey) {
        List<String> holder = em.createQuery("SELECT j.id FROM ApiaryJob j WHERE j.queue = :queue "
                        + "AND j.activeKey = :key", String.class)
                .setParameter("queue", queue).setParameter("key", uniqueKey).getResultList();
        return holder.isEmpty() ? null : holder.get(0);
    }

    /** PostgreSQL delivers a NOTIFY at commit and drops it on rollback, so it belongs inside the push. */
    private void notifyOthers(EntityManager em) {
        if (dialect == SqlDialect.POSTGRESQL) {
            em.createNativeQuery("SELECT 1 FROM pg_notify(?1, ?2)")
                    .setParameter(1, CHANNEL).setParameter(2, queue).getResultList();
        }
    }

    private <R> R enqueue(String what, Function<EntityManager, R> work) {
        try {
            return tx.enqueue(work, wakeUpOnce);
        } catch (PersistenceException e) {
            throw failure(what, e);
        }
    }

    // ---- claim and settle

    @Override
    public List<Job<T>> claim(String workerId, int max) {
        Objects.requireNonNull(workerId, "workerId");
        if (max <= 0) {
            return List.of();
        }
        return run("claim jobs for worker '" + workerId + "'", em -> {
            LocalDateTime now = now();
            List<JobEntity> rows = dialect == SqlDialect.POSTGRESQL ? claimSkipLocked(em, workerId, max, now)
                    : claimOptimistic(em, workerId, max, now);
            rows.sort(CLAIM_ORDER);
            List<Job<T>> jobs = new ArrayList<>(rows.size());
            List<String> undecodable = new ArrayList<>();
            for (JobEntity row : rows) {
                try {
                    jobs.add(new Job<>(codec.decode(row.payload, payloadType), context(row)));
                } catch (CodecException e) {
                    kill(em, row.id, "Payload cannot be decoded, so the job can never run: " + e.getMessage(),
                            List.of(JobStatus.RUNNING), now);
                    undecodable.add(row.id);
                }
            }
            if (!undecodable.isEmpty()) {
                LOG.warning(() -> "Killed jobs " + undecodable + " of queue '" + queue + "' at claim: their "
                        + "payload cannot be decoded into " + payloadType.getName());
            }
            return jobs;
        });
    }

    /**
     * One statement: lock the best due rows that no one else has locked, mark them running and return them. Rows a
     * concurrent claim holds are skipped rather than waited for, so claimers never queue behind each other. The
     * candidates sit in a CTE, which PostgreSQL evaluates exactly once (a locking CTE is never inlined); an
     * {@code IN (subquery)} could be re-run by some plans and then take more than {@code max} rows.
     */
    @SuppressWarnings("unchecked")
    private List<JobEntity> claimSkipLocked(EntityManager em, String workerId, int max, LocalDateTime now) {
        return new ArrayList<>(em.createNativeQuery("WITH picked AS (SELECT id FROM apiary_jobs "
                        + "WHERE queue = ?3 AND status = 'PENDING' AND run_at <= ?2 "
                        + "ORDER BY priority DESC, run_at, id LIMIT ?4 FOR UPDATE SKIP LOCKED) "
                        + "UPDATE apiary_jobs j SET status = 'RUNNING', worker_id = ?1, locked_at = ?2, "
                        + "attempts = j.attempts + 1 FROM picked WHERE j.id = picked.id RETURNING j.*",
                        JobEntity.class)
                .setParameter(1, workerId).setParameter(2, now).setParameter(3, queue).setParameter(4, max)
                .getResultList());
    }

    /**
     * Portable: pick candidates, take them with one update that only succeeds on rows still pending, and read back
     * the rows that carry this claim's worker and lock time. Claimers racing for the same rows each get a share; a
     * claimer that lost every candidate tries again with fresh ones.
     */
    private List<JobEntity> claimOptimistic(EntityManager em, String workerId, int max, LocalDateTime now) {
        for (int round = 0; round < 3; round++) {
            List<String> candidates = em.createQuery("SELECT j.id FROM ApiaryJob j WHERE j.queue = :queue "
                            + "AND j.status = :pending AND j.runAt <= :now "
                            + "ORDER BY j.priority DESC, j.runAt, j.id", String.class)
                    .setParameter("queue", queue).setParameter("pending", JobStatus.PENDING)
                    .setParameter("now", now).setMaxResults(max).getResultList();
            if (candidates.isEmpty()) {
                return new ArrayList<>();
            }
            int taken = em.createQuery("UPDATE ApiaryJob j SET j.status = :running, j.workerId = :worker, "
                            + "j.lockedAt = :now, j.attempts = j.attempts + 1 "
                            + "WHERE j.id IN :ids AND j.status = :pending")
                    .setParameter("running", JobStatus.RUNNING).setParameter("worker", workerId)
                    .setParameter("now", now).setParameter("ids", candidates)
                    .setParameter("pending", JobStatus.PENDING).executeUpdate();
            if (taken > 0) {
                return new ArrayList<>(em.createQuery("SELECT j FROM ApiaryJob j WHERE j.id IN :ids "
                                + "AND j.status = :running AND j.workerId = :worker AND j.lockedAt = :now",
                                JobEntity.class)
                        .setParameter("ids", candidates).setParameter("running", JobStatus.RUNNING)
                        .setParameter("worker", workerId).setParameter("now", now).getResultList());
            }
        }
        return new ArrayList<>();
    }

    /**
     * Done jobs are written with one statement per (worker, attempt) group, usually one per batch; other outcomes
     * carry their own error text and run-at, one statement each. Every statement matches the job on id, worker,
     * attempt and running status, so an outcome from a worker that lost the job changes nothing.
     */
    @Override
    public void settle(List<Settlement> settlements) {
        if (settlements.isEmpty()) {
            return;
        }
        boolean retried = run("settle " + settlements.size() + " jobs", em -> {
            LocalDateTime now = now();
            Map<List<Object>, List<String>> done = new LinkedHashMap<>();
            boolean pending = false;
            for (Settlement s : settlements) {
                JobContext job = s.job();
                Outcome outcome = s.outcome();
                if (outcome instanceof Outcome.Done) {
                    done.computeIfAbsent(List.of(String.valueOf(job.workerId()), job.attempt()),
                            k -> new ArrayList<>()).add(job.id());
                } else if (outcome instanceof Outcome.Retry retry && !job.isLastAttempt()) {
                    pending |= em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.runAt = :runAt, "
                                    + "j.lastError = :error, j.workerId = NULL, j.lockedAt = NULL " + HELD_BY)
                            .setParameter("pending", JobStatus.PENDING).setParameter("runAt", utc(retry.at()))
                            .setParameter("error", retry.error()).setParameter("id", job.id())
                            .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                            .setParameter("worker", job.workerId()).setParameter("attempt", job.attempt())
                            .executeUpdate() > 0;
                } else {
                    JobStatus status = outcome instanceof Outcome.Kill ? JobStatus.KILLED : JobStatus.FAILED;
                    String error = outcome instanceof Outcome.Kill kill ? kill.reason()
                            : outcome instanceof Outcome.Failed failed ? failed.error()
                            : ((Outcome.Retry) outcome).error();
                    em.createQuery("UPDATE ApiaryJob j SET j.status = :status, j.finishedAt = :now, "
                                    + "j.lastError = :error, j.workerId = NULL, j.lockedAt = NULL, "
                                    + "j.activeKey = NULL " + HELD_BY)
                            .setParameter("status", status).setParameter("now", now).setParameter("error", error)
                            .setParameter("id", job.id()).setParameter("queue", queue)
                            .setParameter("running", JobStatus.RUNNING).setParameter("worker", job.workerId())
                            .setParameter("attempt", job.attempt()).executeUpdate();
                }
            }
            for (Map.Entry<List<Object>, List<String>> group : done.entrySet()) {
                for (List<String> ids : chunks(group.getValue())) {
                    em.createQuery("UPDATE ApiaryJob j SET j.status = :done, j.finishedAt = :now, "
                                    + "j.lastError = NULL, j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL "
                                    + "WHERE j.id IN :ids AND j.queue = :queue AND j.status = :running "
                                    + "AND j.workerId = :worker AND j.attempts = :attempt")
                            .setParameter("done", JobStatus.DONE).setParameter("now", now)
                            .setParameter("ids", ids).setParameter("queue", queue)
                            .setParameter("running", JobStatus.RUNNING)
                            .setParameter("worker", group.getKey().get(0))
                            .setParameter("attempt", group.getKey().get(1)).executeUpdate();
                }
            }
            return pending;
        });
        if (retried) {
            wakeUp();
        }
    }

    @Override
    public void release(String workerId, List<String> jobIds) {
        if (jobIds.isEmpty()) {
            return;
        }
        int released = run("release jobs of worker '" + workerId + "'", em -> {
            int count = 0;
            for (List<String> ids : chunks(jobIds)) {
                count += em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.attempts = j.attempts - 1, "
                                + "j.workerId = NULL, j.lockedAt = NULL WHERE j.id IN :ids AND j.queue = :queue "
                                + "AND j.status = :running AND j.workerId = :worker")
                        .setParameter("pending", JobStatus.PENDING).setParameter("ids", ids)
                        .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                        .setParameter("worker", workerId).executeUpdate();
            }
            if (count > 0) {
                notifyOthers(em);
            }
            return count;
        });
        if (released > 0) {
            wakeUp();
        }
    }

    // ---- liveness

    /** Creates or refreshes the worker's row in {@code apiary_workers}. */
    @Override
    public void heartbeat(String workerId) {
        Objects.requireNonNull(workerId, "workerId");
        run("record the heartbeat of worker '" + workerId + "'", em -> {
            var update = em.createQuery("UPDATE ApiaryWorker w SET w.lastHeartbeat = :now WHERE w.id = :id")
                    .setParameter("id", workerId);
            // read the clock after preparing the statement: the heartbeat should say when the worker was last seen
            if (update.setParameter("now", now()).executeUpdate() == 0) {
                em.persist(new WorkerEntity(workerId, queue, host, now()));
            }
            return null;
        });
    }

    /**
     * Recovers this queue's running jobs whose lock is older than {@code lease} and whose worker has no heartbeat
     * within the lease (or no row at all: a worker that never heartbeat is judged by its lock time alone).
     */
    @Override
    public int reenqueueOrphans(Duration lease) {
        int recovered = run("recover orphaned jobs", em -> {
            LocalDateTime cutoff = utc(clock.instant().minus(lease));
            int count = em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.workerId = NULL, "
                            + "j.lockedAt = NULL, j.lastError = :error WHERE j.queue = :queue "
                            + "AND j.status = :running AND j.lockedAt < :cutoff AND NOT EXISTS ("
                            + "SELECT w.id FROM ApiaryWorker w WHERE w.id = j.workerId "
                            + "AND w.lastHeartbeat >= :cutoff)")
                    .setParameter("pending", JobStatus.PENDING)
                    .setParameter("error", "Recovered: its worker stopped heartbeating for longer than the lease "
                            + "of " + lease)
                    .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                    .setParameter("cutoff", cutoff).executeUpdate();
            if (count > 0) {
                notifyOthers(em);
            }
            return count;
        });
        if (recovered > 0) {
            wakeUp();
        }
        return recovered;
    }

    /**
     * Calls {@code wakeup} after every push, retry and release through this storage and, when the database is
     * PostgreSQL and {@link Builder#notifications(DataSource)} was given, after every push on any node (LISTEN on a
     * connection of its own). Without notifications, other nodes' pushes are found by the next poll.
     */
    @Override
    public AutoCloseable onAvailable(Runnable wakeup) {
        Objects.requireNonNull(wakeup, "wakeup");
        listeners.add(wakeup);
        startListening();
        return () -> listeners.remove(wakeup);
    }

    private synchronized void startListening() {
        if (notificationListener == null && dialect == SqlDialect.POSTGRESQL && notificationSource != null) {
            notificationListener = new PgNotificationListener(notificationSource, CHANNEL, queue, this::wakeUp,
                    threadFactory);
            notificationListener.start();
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
        return run("find job " + id, em -> em.createQuery("SELECT j FROM ApiaryJob j WHERE j.id = :id "
                        + "AND j.queue = :queue", JobEntity.class)
                .setParameter("id", id).setParameter("queue", queue).getResultList().stream().findFirst()
                .map(this::stored));
    }

    @Override
    public Map<JobStatus, Long> counts() {
        return run("count jobs", em -> {
            Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
            for (JobStatus status : JobStatus.values()) {
                counts.put(status, 0L);
            }
            for (Object[] row : em.createQuery("SELECT j.status, COUNT(j) FROM ApiaryJob j "
                    + "WHERE j.queue = :queue GROUP BY j.status", Object[].class)
                    .setParameter("queue", queue).getResultList()) {
                counts.put((JobStatus) row[0], ((Number) row[1]).longValue());
            }
            return counts;
        });
    }

    /** Newest first: ids are time-sortable, so the primary key orders the page. */
    @Override
    public JobPage<T> list(JobQuery query) {
        String filter = "WHERE j.queue = :queue" + (query.status() == null ? "" : " AND j.status = :status");
        return run("list jobs", em -> {
            var total = em.createQuery("SELECT COUNT(j) FROM ApiaryJob j " + filter, Long.class)
                    .setParameter("queue", queue);
            var page = em.createQuery("SELECT j FROM ApiaryJob j " + filter + " ORDER BY j.id DESC",
                            JobEntity.class)
                    .setParameter("queue", queue).setFirstResult(query.offset()).setMaxResults(query.limit());
            if (query.status() != null) {
                total.setParameter("status", query.status());
                page.setParameter("status", query.status());
            }
            List<StoredJob<T>> items = page.getResultList().stream().map(this::stored).toList();
            return new JobPage<>(items, total.getSingleResult(), query.offset(), query.limit());
        });
    }

    /**
     * Sets a pending, failed or killed job to run now with a fresh attempt budget. Its unique key becomes active
     * again unless another job took it meanwhile; then the requeued job runs without holding the key.
     */
    @Override
    public boolean requeue(String id) {
        boolean requeued = run("requeue job " + id, em -> {
            int updated = em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.attempts = 0, "
                            + "j.runAt = :now, j.finishedAt = NULL, j.workerId = NULL, j.lockedAt = NULL "
                            + "WHERE j.id = :id AND j.queue = :queue AND j.status IN :statuses")
                    .setParameter("pending", JobStatus.PENDING).setParameter("now", now())
                    .setParameter("id", id).setParameter("queue", queue)
                    .setParameter("statuses", List.of(JobStatus.PENDING, JobStatus.FAILED, JobStatus.KILLED))
                    .executeUpdate();
            if (updated == 0) {
                return false;
            }
            List<String> key = em.createQuery("SELECT j.uniqueKey FROM ApiaryJob j WHERE j.id = :id "
                    + "AND j.uniqueKey IS NOT NULL AND j.activeKey IS NULL", String.class)
                    .setParameter("id", id).getResultList();
            if (!key.isEmpty() && activeHolder(em, key.get(0)) == null) {
                em.createQuery("UPDATE ApiaryJob j SET j.activeKey = j.uniqueKey WHERE j.id = :id")
                        .setParameter("id", id).executeUpdate();
            }
            notifyOthers(em);
            return true;
        });
        if (requeued) {
            wakeUp();
        }
        return requeued;
    }

    @Override
    public boolean kill(String id, String reason) {
        return run("kill job " + id, em -> kill(em, id, reason, List.of(JobStatus.PENDING, JobStatus.RUNNING),
                now()) > 0);
    }

    private int kill(EntityManager em, String id, String reason, List<JobStatus> from, LocalDateTime now) {
        return em.createQuery("UPDATE ApiaryJob j SET j.status = :killed, j.lastError = :reason, "
                        + "j.finishedAt = :now, j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL "
                        + "WHERE j.id = :id AND j.queue = :queue AND j.status IN :from")
                .setParameter("killed", JobStatus.KILLED).setParameter("reason", reason).setParameter("now", now)
                .setParameter("id", id).setParameter("queue", queue).setParameter("from", from).executeUpdate();
    }

    @Override
    public int purgeFinished(Instant before) {
        // only final jobs have a finish time (requeue clears it), which lets an index on it serve this delete
        return run("purge finished jobs", em -> em.createQuery("DELETE FROM ApiaryJob j WHERE j.queue = :queue "
                        + "AND j.finishedAt < :before")
                .setParameter("queue", queue).setParameter("before", utc(before)).executeUpdate());
    }

    @Override
    public boolean isAvailable() {
        try {
            run("check the database", em -> em.createQuery("SELECT COUNT(w) FROM ApiaryWorker w WHERE w.id = ''",
                    Long.class).getSingleResult());
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Job storage of queue '" + queue + "' is not available", e);
            return false;
        }
    }

    /** Stops the notification listener; the storage itself holds no other resources. */
    @Override
    public synchronized void close() {
        if (notificationListener != null) {
            notificationListener.close();
            notificationListener = null;
        }
    }

    // ---- mapping

    private JobContext context(JobEntity e) {
        return new JobContext(e.id, e.queue, e.attempts, e.maxAttempts, instant(e.runAt), e.priority,
                instant(e.enqueuedAt), e.workerId, decodeMetadata(e));
    }

    private StoredJob<T> stored(JobEntity e) {
        T payload;
        try {
            payload = codec.decode(e.payload, payloadType);
        } catch (CodecException ex) {
            payload = null;
        }
        return new StoredJob<>(e.id, e.queue, payload, e.payload, e.status, e.attempts, e.maxAttempts,
                instant(e.runAt), e.priority, instant(e.enqueuedAt), e.workerId, e.lastError,
                instant(e.finishedAt), decodeMetadata(e));
    }

    private String encodeMetadata(Map<String, String> metadata) {
        return metadata.isEmpty() ? null : codec.encode(metadata);
    }

    private Map<String, String> decodeMetadata(JobEntity e) {
        if (e.metadata == null) {
            return Map.of();
        }
        try {
            Map<?, ?> raw = codec.decode(e.metadata, Map.class);
            Map<String, String> metadata = new HashMap<>();
            raw.forEach((k, v) -> metadata.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
            return metadata;
        } catch (CodecException ex) {
            throw new StorageException("Metadata of job " + e.id + " in queue '" + queue + "' is not a JSON "
                    + "object: " + e.metadata, ex);
        }
    }

    private LocalDateTime now() {
        return utc(clock.instant());
    }

    /**
     * Milliseconds, which every database keeps exactly: a lock time read back equals the one written (the portable
     * claim relies on it), and a job pushed in the same millisecond as a claim is already due for it.
     */
    private static LocalDateTime utc(Instant instant) {
        return LocalDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC);
    }

    private static Instant instant(LocalDateTime utc) {
        return utc == null ? null : utc.toInstant(ZoneOffset.UTC);
    }

    private static List<List<String>> chunks(List<String> ids) {
        if (ids.size() <= IDS_PER_STATEMENT) {
            return List.of(ids);
        }
        List<List<String>> chunks = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += IDS_PER_STATEMENT) {
            chunks.add(ids.subList(from, Math.min(ids.size(), from + IDS_PER_STATEMENT)));
        }
        return chunks;
    }

    private <R> R run(String what, Function<EntityManager, R> work) {
        try {
            return tx.inTransaction(work);
        } catch (PersistenceException e) {
            throw failure(what, e);
        }
    }

    private StorageException failure(String what, PersistenceException e) {
        return new StorageException("Job storage of queue '" + queue + "' could not " + what + ": " + e.getMessage(),
                e);
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
            this.notificationSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /** Makes the listener thread; in a container pass a {@code ManagedThreadFactory}. */
        public Builder<T> threadFactory(ThreadFactory value) {
            this.threadFactory = Objects.requireNonNull(value, "threadFactory");
            return this;
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
