package dev.apiary.jpa;

import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.StorageException;
import dev.apiary.spi.JobIds;
import dev.apiary.spi.Throughput;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.persistence.EntityManager;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.TreeMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Every statement the storage runs on {@code apiary_jobs} and {@code apiary_workers} for one queue, in JPQL where
 * JPQL suffices and in native SQL where a {@link SqlDialect} allows a faster form. Each method works inside the
 * transaction of the {@link EntityManager} it is given; {@link JpaJobStorage} decides which transaction that is.
 * Payloads and metadata arrive here already encoded.
 */
final class JobTable {

    /** The PostgreSQL channel for new-job notifications; the payload is the queue name. */
    static final String CHANNEL = "apiary_jobs";
    /**
     * Rows per multi-row insert. Larger statements gain nothing on PostgreSQL or H2, and EclipseLink's parameter
     * handling slows down sharply beyond a few hundred parameters (measured: 1000 rows per statement halve its rate).
     */
    private static final int ROWS_PER_INSERT = 100;
    private static final int IDS_PER_STATEMENT = 1000;
    /**
     * Claimed rows are read, never changed through the entity: loaded read-only, Hibernate keeps no snapshot of them
     * and does not compare every claimed row at the flushes before later statements and at the commit. Other
     * providers ignore the hint, as JPA requires. (EclipseLink's own read-only hint is not used: its read-only
     * queries answer from the shared cache, which does not see the claim's update.)
     */
    private static final String HIBERNATE_READ_ONLY = "org.hibernate.readOnly";
    /** Matches a job only while the settling worker still holds the attempt it ran. */
    private static final String HELD_BY = "WHERE j.id = :id AND j.queue = :queue AND j.status = :running "
            + "AND j.workerId = :worker AND j.attempts = :attempt";
    private static final Comparator<JobEntity> CLAIM_ORDER = Comparator
            .comparingInt((JobEntity e) -> -e.priority)
            .thenComparing(e -> e.runAt)
            .thenComparing(e -> e.id);

    private final String queue;
    private final String payloadType;
    private final SqlDialect dialect;

    JobTable(String queue, Class<?> payloadType, SqlDialect dialect) {
        this.queue = queue;
        this.payloadType = payloadType.getName();
        this.dialect = dialect;
    }

    // ---- enqueue

    /**
     * One job; with {@code notify}, other nodes are told too. On PostgreSQL and H2 it is one native statement, on
     * PostgreSQL with the {@code NOTIFY} inside it: a push in a transaction of its own costs two round trips (the
     * statement and the commit), and the entity manager keeps no state for it.
     */
    String insert(EntityManager em, String json, String metadata, JobOptions options, LocalDateTime now,
                  boolean notify) {
        if (dialect == SqlDialect.STANDARD) {
            JobEntity job = newJob(json, metadata, options, now);
            em.persist(job);
            return job.id;
        }
        return insertAll(em, List.of(json), metadata, options, now, notify).get(0);
    }

    /**
     * Inserts a job holding {@code options.uniqueKey()}, or returns the id of the job that holds it. On PostgreSQL
     * {@code INSERT ... ON CONFLICT DO NOTHING} waits for a concurrent push of the same key to end and then skips the
     * row instead of failing, so even a caller's transaction survives the race. Elsewhere two concurrent pushes may
     * both find no holder; the unique constraint on {@code (queue, active_key)} then fails the second.
     */
    String insertUnique(EntityManager em, String json, String metadata, JobOptions options, LocalDateTime now) {
        String key = options.uniqueKey();
        if (dialect != SqlDialect.POSTGRESQL) {
            String holder = activeHolder(em, key);
            if (holder != null) {
                return holder;
            }
            JobEntity job = newJob(json, metadata, options, now);
            em.persist(job);
            return job.id;
        }
        String sql = "INSERT INTO apiary_jobs (id, queue, payload, payload_type, status, attempts, max_attempts, "
                + "run_at, priority, enqueued_at, unique_key, active_key" + (metadata == null ? "" : ", metadata")
                + ") VALUES (?1, ?2, ?3, ?4, 'PENDING', 0, ?5, ?6, ?7, ?8, ?9, ?9" + (metadata == null ? "" : ", ?10")
                + ") ON CONFLICT (queue, active_key) DO NOTHING";
        // a holder found missing right after a conflict has just become final: the key is free again
        for (int round = 0; round < 3; round++) {
            String id = JobIds.next();
            var insert = em.createNativeQuery(sql).setParameter(1, id).setParameter(2, queue)
                    .setParameter(3, json).setParameter(4, payloadType).setParameter(5, options.maxAttempts())
                    .setParameter(6, runAt(options, now)).setParameter(7, options.priority())
                    .setParameter(8, now).setParameter(9, key);
            if (metadata != null) {
                insert.setParameter(10, metadata);
            }
            if (insert.executeUpdate() > 0) {
                return id;
            }
            String holder = activeHolder(em, key);
            if (holder != null) {
                return holder;
            }
        }
        throw new StorageException("Unique key '" + key + "' of queue '" + queue + "' kept changing hands; "
                + "push again");
    }

    /**
     * Many jobs with the same options: multi-row inserts with the shared options bound once per statement and two
     * parameters per job on PostgreSQL and H2, batched {@code persist} elsewhere. With {@code notify}, other nodes
     * are told too; on PostgreSQL by the first insert statement itself, which saves a round trip.
     */
    List<String> insertAll(EntityManager em, List<String> json, String metadata, JobOptions options,
                           LocalDateTime now, boolean notify) {
        List<String> ids = new ArrayList<>(json.size());
        if (dialect == SqlDialect.STANDARD) {
            List<JobEntity> batch = new ArrayList<>(ROWS_PER_INSERT);
            for (int i = 0; i < json.size(); i++) {
                JobEntity job = newJob(json.get(i), metadata, options, now);
                em.persist(job);
                ids.add(job.id);
                batch.add(job);
                if (batch.size() == ROWS_PER_INSERT || i == json.size() - 1) {
                    // keep the persistence context small (the provider's JDBC batching groups the inserts); detach,
                    // not clear: the EntityManager may be the caller's, holding the caller's entities
                    em.flush();
                    batch.forEach(em::detach);
                    batch.clear();
                }
            }
            if (notify) {
                notifyOtherNodes(em);
            }
            return ids;
        }
        int constants = metadata == null ? 6 : 7;
        boolean notifyInStatement = notify && dialect == SqlDialect.POSTGRESQL;
        for (int from = 0; from < json.size(); from += ROWS_PER_INSERT) {
            int to = Math.min(json.size(), from + ROWS_PER_INSERT);
            // the first statement carries the NOTIFY: a data-modifying CTE runs whether or not it is referenced
            boolean withNotify = notifyInStatement && from == 0;
            int last = constants + 2 * (to - from);
            StringBuilder sql = new StringBuilder(withNotify ? "WITH job AS (" : "")
                    .append("INSERT INTO apiary_jobs (id, payload, queue, payload_type, "
                    + "status, attempts, max_attempts, run_at, priority, enqueued_at")
                    .append(metadata == null ? ") VALUES " : ", metadata) VALUES ");
            for (int row = 0, p = constants + 1; row < to - from; row++, p += 2) {
                sql.append(row == 0 ? "" : ", ").append("(?").append(p).append(", ?").append(p + 1)
                        .append(", ?1, ?2, 'PENDING', 0, ?3, ?4, ?5, ?6").append(metadata == null ? ")" : ", ?7)");
            }
            if (withNotify) {
                sql.append(") SELECT 1 FROM pg_notify(?").append(last + 1).append(", ?").append(last + 2)
                        .append(')');
            }
            var insert = em.createNativeQuery(sql.toString())
                    .setParameter(1, queue).setParameter(2, payloadType)
                    .setParameter(3, options.maxAttempts()).setParameter(4, runAt(options, now))
                    .setParameter(5, options.priority()).setParameter(6, now);
            if (metadata != null) {
                insert.setParameter(7, metadata);
            }
            for (int i = from, p = constants + 1; i < to; i++, p += 2) {
                String id = JobIds.next();
                ids.add(id);
                insert.setParameter(p, id).setParameter(p + 1, json.get(i));
            }
            if (withNotify) {
                insert.setParameter(last + 1, CHANNEL).setParameter(last + 2, queue).getResultList();
            } else {
                insert.executeUpdate();
            }
        }
        return ids;
    }

    private JobEntity newJob(String json, String metadata, JobOptions options, LocalDateTime now) {
        JobEntity job = new JobEntity(JobIds.next(), queue);
        job.payload = json;
        job.payloadType = payloadType;
        job.status = JobStatus.PENDING;
        job.maxAttempts = options.maxAttempts();
        job.priority = options.priority();
        job.enqueuedAt = now;
        job.runAt = runAt(options, now);
        job.uniqueKey = options.uniqueKey();
        job.activeKey = options.uniqueKey();
        job.metadata = metadata;
        return job;
    }

    String activeHolder(EntityManager em, String uniqueKey) {
        List<String> holder = em.createQuery("SELECT j.id FROM ApiaryJob j WHERE j.queue = :queue "
                        + "AND j.activeKey = :key", String.class)
                .setParameter("queue", queue).setParameter("key", uniqueKey).getResultList();
        return holder.isEmpty() ? null : holder.get(0);
    }

    /** PostgreSQL delivers a NOTIFY at commit and drops it on rollback, so it belongs inside the writing transaction. */
    void notifyOtherNodes(EntityManager em) {
        if (dialect == SqlDialect.POSTGRESQL) {
            em.createNativeQuery("SELECT 1 FROM pg_notify(?1, ?2)")
                    .setParameter(1, CHANNEL).setParameter(2, queue).getResultList();
        }
    }

    // ---- claim and settle

    /** Marks up to {@code max} due jobs running for {@code workerId}, counts the attempt, returns them in claim order. */
    List<JobEntity> claim(EntityManager em, String workerId, int max, LocalDateTime now) {
        List<JobEntity> rows = dialect == SqlDialect.POSTGRESQL ? claimSkipLocked(em, workerId, max, now)
                : claimOptimistic(em, workerId, max, now);
        rows.sort(CLAIM_ORDER);
        return rows;
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
                .setHint(HIBERNATE_READ_ONLY, true)
                .getResultList());
    }

    /**
     * Portable: pick candidates, take them with one update that only succeeds on rows still pending, and read back
     * the rows that carry this claim's worker and lock time (millisecond times are stored exactly everywhere). This
     * relies on the database re-checking an {@code UPDATE}'s condition on a row it had to wait for, as PostgreSQL,
     * H2, MySQL, Oracle and SQL Server do. Claimers racing for the same rows each get a share; a claimer that lost
     * every candidate tries again with fresh ones.
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
                        .setParameter("worker", workerId).setParameter("now", now)
                        .setHint(HIBERNATE_READ_ONLY, true).getResultList());
            }
        }
        return new ArrayList<>();
    }

    /**
     * Ends the given jobs as done, all held by {@code workerId} in {@code attempt}: one statement per 1000 jobs.
     * Native SQL on PostgreSQL and H2 because Hibernate translates a JPQL update with a list parameter anew on every
     * execution (measured: ten times EclipseLink's cost per settle); the list is padded to a power of two so that
     * the database sees a handful of distinct statements, not one per batch size.
     */
    void settleDone(EntityManager em, String workerId, int attempt, List<String> jobIds, LocalDateTime now) {
        for (List<String> ids : chunks(jobIds)) {
            if (dialect == SqlDialect.STANDARD) {
                em.createQuery("UPDATE ApiaryJob j SET j.status = :done, j.finishedAt = :now, j.lastError = NULL, "
                                + "j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL "
                                + "WHERE j.id IN :ids AND j.queue = :queue AND j.status = :running "
                                + "AND j.workerId = :worker AND j.attempts = :attempt")
                        .setParameter("done", JobStatus.DONE).setParameter("now", now).setParameter("ids", ids)
                        .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                        .setParameter("worker", workerId).setParameter("attempt", attempt).executeUpdate();
                continue;
            }
            int slots = Integer.highestOneBit(ids.size() - 1 | 1) << 1;
            StringBuilder sql = new StringBuilder("UPDATE apiary_jobs SET status = 'DONE', finished_at = ?1, "
                    + "last_error = NULL, worker_id = NULL, locked_at = NULL, active_key = NULL "
                    + "WHERE queue = ?2 AND status = 'RUNNING' AND worker_id = ?3 AND attempts = ?4 AND id IN (");
            for (int i = 0; i < slots; i++) {
                sql.append(i == 0 ? "?" : ", ?").append(i + 5);
            }
            var update = em.createNativeQuery(sql.append(')').toString()).setParameter(1, now)
                    .setParameter(2, queue).setParameter(3, workerId).setParameter(4, attempt);
            for (int i = 0; i < slots; i++) {
                update.setParameter(i + 5, ids.get(Math.min(i, ids.size() - 1)));
            }
            update.executeUpdate();
        }
    }

    /** Ends one held job as done with its encoded result. */
    void settleDone(EntityManager em, JobContext job, String result, LocalDateTime now) {
        em.createQuery("UPDATE ApiaryJob j SET j.status = :done, j.finishedAt = :now, j.lastError = NULL, "
                        + "j.result = :result, j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL " + HELD_BY)
                .setParameter("done", JobStatus.DONE).setParameter("now", now).setParameter("result", result)
                .setParameter("id", job.id()).setParameter("queue", queue)
                .setParameter("running", JobStatus.RUNNING).setParameter("worker", job.workerId())
                .setParameter("attempt", job.attempt()).executeUpdate();
    }

    /** Puts a held job back to pending until {@code runAt}; the attempt stays counted. */
    boolean settleRetry(EntityManager em, JobContext job, Instant runAt, String error) {
        return em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.runAt = :runAt, j.lastError = :error, "
                        + "j.workerId = NULL, j.lockedAt = NULL " + HELD_BY)
                .setParameter("pending", JobStatus.PENDING).setParameter("runAt", utc(runAt))
                .setParameter("error", error).setParameter("id", job.id()).setParameter("queue", queue)
                .setParameter("running", JobStatus.RUNNING).setParameter("worker", job.workerId())
                .setParameter("attempt", job.attempt()).executeUpdate() > 0;
    }

    /** Ends a held job as killed or failed. */
    void settleFinal(EntityManager em, JobContext job, JobStatus status, String error, LocalDateTime now) {
        em.createQuery("UPDATE ApiaryJob j SET j.status = :status, j.finishedAt = :now, j.lastError = :error, "
                        + "j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL " + HELD_BY)
                .setParameter("status", status).setParameter("now", now).setParameter("error", error)
                .setParameter("id", job.id()).setParameter("queue", queue)
                .setParameter("running", JobStatus.RUNNING).setParameter("worker", job.workerId())
                .setParameter("attempt", job.attempt()).executeUpdate();
    }

    /** Hands running jobs of {@code workerId} back to pending and uncounts their attempt. */
    int release(EntityManager em, String workerId, List<String> jobIds) {
        int count = 0;
        for (List<String> ids : chunks(jobIds)) {
            count += em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.attempts = j.attempts - 1, "
                            + "j.workerId = NULL, j.lockedAt = NULL WHERE j.id IN :ids AND j.queue = :queue "
                            + "AND j.status = :running AND j.workerId = :worker")
                    .setParameter("pending", JobStatus.PENDING).setParameter("ids", ids)
                    .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                    .setParameter("worker", workerId).executeUpdate();
        }
        return count;
    }

    // ---- liveness

    /** Creates or refreshes the worker's row; reads the clock only once the statement is ready to run. */
    void heartbeat(EntityManager em, String workerId, String host, Supplier<LocalDateTime> clock) {
        var update = em.createQuery("UPDATE ApiaryWorker w SET w.lastHeartbeat = :now WHERE w.id = :id")
                .setParameter("id", workerId);
        if (update.setParameter("now", clock.get()).executeUpdate() == 0) {
            em.persist(new WorkerEntity(workerId, queue, host, clock.get()));
        }
    }

    /** Creates or refreshes an instance's row with what it reports; reads the clock once the statement is ready. */
    void heartbeat(EntityManager em, WorkerSnapshot instance, String host, Supplier<LocalDateTime> clock) {
        String state = instance.state() == null ? null : instance.state().name();
        var update = em.createQuery("UPDATE ApiaryWorker w SET w.lastHeartbeat = :now, w.workerName = :name, "
                        + "w.workerState = :state, w.runningJobs = :running, w.doneJobs = :done, "
                        + "w.failedJobs = :failed WHERE w.id = :id")
                .setParameter("id", instance.instanceId()).setParameter("name", instance.worker())
                .setParameter("state", state).setParameter("running", instance.running())
                .setParameter("done", instance.done()).setParameter("failed", instance.failed());
        if (update.setParameter("now", clock.get()).executeUpdate() == 0) {
            WorkerEntity row = new WorkerEntity(instance.instanceId(), queue, host, clock.get());
            row.workerName = instance.worker();
            row.workerState = state;
            row.runningJobs = instance.running();
            row.doneJobs = instance.done();
            row.failedJobs = instance.failed();
            em.persist(row);
        }
    }

    /** Removes the rows of instances of any queue not seen since {@code before}. */
    int purgeWorkers(EntityManager em, LocalDateTime before) {
        return em.createQuery("DELETE FROM ApiaryWorker w WHERE w.lastHeartbeat < :before")
                .setParameter("before", before).executeUpdate();
    }

    List<WorkerEntity> workers(EntityManager em) {
        return em.createQuery("SELECT w FROM ApiaryWorker w WHERE w.queue = :queue ORDER BY w.id",
                WorkerEntity.class).setParameter("queue", queue).getResultList();
    }

    /** Stores a held job's progress. */
    boolean progress(EntityManager em, JobContext job, int percent, String message, LocalDateTime now) {
        return em.createQuery("UPDATE ApiaryJob j SET j.progress = :percent, j.progressMessage = :message, "
                        + "j.progressAt = :now " + HELD_BY)
                .setParameter("percent", percent).setParameter("message", message).setParameter("now", now)
                .setParameter("id", job.id()).setParameter("queue", queue)
                .setParameter("running", JobStatus.RUNNING).setParameter("worker", job.workerId())
                .setParameter("attempt", job.attempt()).executeUpdate() > 0;
    }

    /**
     * Running jobs locked before {@code cutoff} whose worker has no heartbeat since (or no row at all: a worker that
     * never heartbeat is judged by its lock time alone) go back to pending, the attempt counted.
     */
    int reenqueueOrphans(EntityManager em, LocalDateTime cutoff, LocalDateTime now, String reason) {
        String orphaned = "WHERE j.queue = :queue AND j.status = :running AND j.lockedAt < :cutoff "
                + "AND NOT EXISTS (SELECT w.id FROM ApiaryWorker w WHERE w.id = j.workerId "
                + "AND w.lastHeartbeat >= :cutoff)";
        // the lost attempt counts: a job that was on its last one ends failed, so that a job that kills its worker
        // every time (an out-of-memory, a crash in native code) cannot go round for ever
        int failed = em.createQuery("UPDATE ApiaryJob j SET j.status = :failed, j.finishedAt = :now, "
                        + "j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL, j.lastError = :reason "
                        + orphaned + " AND j.attempts >= j.maxAttempts")
                .setParameter("failed", JobStatus.FAILED).setParameter("now", now)
                .setParameter("reason", reason + "; it was the job's last attempt")
                .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                .setParameter("cutoff", cutoff).executeUpdate();
        int pending = em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.workerId = NULL, "
                        + "j.lockedAt = NULL, j.lastError = :reason " + orphaned)
                .setParameter("pending", JobStatus.PENDING).setParameter("reason", reason)
                .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                .setParameter("cutoff", cutoff).executeUpdate();
        return failed + pending;
    }

    // ---- inspection and administration

    Optional<JobEntity> find(EntityManager em, String id) {
        return em.createQuery("SELECT j FROM ApiaryJob j WHERE j.id = :id AND j.queue = :queue", JobEntity.class)
                .setParameter("id", id).setParameter("queue", queue).getResultList().stream().findFirst();
    }

    Map<JobStatus, Long> counts(EntityManager em) {
        Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
        for (JobStatus status : JobStatus.values()) {
            counts.put(status, 0L);
        }
        for (Object[] row : em.createQuery("SELECT j.status, COUNT(j) FROM ApiaryJob j WHERE j.queue = :queue "
                + "GROUP BY j.status", Object[].class).setParameter("queue", queue).getResultList()) {
            counts.put((JobStatus) row[0], ((Number) row[1]).longValue());
        }
        return counts;
    }

    long count(EntityManager em, JobStatus status) {
        var count = em.createQuery("SELECT COUNT(j) FROM ApiaryJob j WHERE j.queue = :queue"
                + (status == null ? "" : " AND j.status = :status"), Long.class).setParameter("queue", queue);
        return (status == null ? count : count.setParameter("status", status)).getSingleResult();
    }

    /** Newest first: ids are time-sortable, so the primary key orders the page. */
    List<JobEntity> page(EntityManager em, JobStatus status, int offset, int limit) {
        var page = em.createQuery("SELECT j FROM ApiaryJob j WHERE j.queue = :queue"
                        + (status == null ? "" : " AND j.status = :status") + " ORDER BY j.id DESC", JobEntity.class)
                .setParameter("queue", queue).setFirstResult(offset).setMaxResults(limit);
        return (status == null ? page : page.setParameter("status", status)).getResultList();
    }

    Optional<JobEntity> findByUniqueKey(EntityManager em, String key) {
        return em.createQuery("SELECT j FROM ApiaryJob j WHERE j.queue = :queue AND j.uniqueKey = :key "
                        + "ORDER BY j.id DESC", JobEntity.class)
                .setParameter("queue", queue).setParameter("key", key).setMaxResults(1).getResultList().stream()
                .findFirst();
    }

    /**
     * Jobs whose metadata text holds {@code pair}, the JSON text {@code "key":"value"} as the codec writes it. A
     * text match needs no JSON support in the database; the caller checks the decoded metadata of each row.
     */
    List<JobEntity> findByMetadataText(EntityManager em, String pair, int limit) {
        String pattern = "%" + pair.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        return em.createQuery("SELECT j FROM ApiaryJob j WHERE j.queue = :queue AND j.metadata LIKE :pattern "
                        + "ESCAPE '!' ORDER BY j.id DESC", JobEntity.class)
                .setParameter("queue", queue).setParameter("pattern", pattern).setMaxResults(limit)
                .getResultList();
    }

    boolean delete(EntityManager em, String id) {
        return em.createQuery("DELETE FROM ApiaryJob j WHERE j.id = :id AND j.queue = :queue "
                        + "AND j.status <> :running")
                .setParameter("id", id).setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                .executeUpdate() > 0;
    }

    int deleteAll(EntityManager em, JobStatus status) {
        return em.createQuery("DELETE FROM ApiaryJob j WHERE j.queue = :queue AND j.status = :status")
                .setParameter("queue", queue).setParameter("status", status).executeUpdate();
    }

    int killAll(EntityManager em, JobStatus status, String reason, LocalDateTime now) {
        return em.createQuery("UPDATE ApiaryJob j SET j.status = :killed, j.lastError = :reason, "
                        + "j.finishedAt = :now, j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL "
                        + "WHERE j.queue = :queue AND j.status = :status")
                .setParameter("killed", JobStatus.KILLED).setParameter("reason", reason).setParameter("now", now)
                .setParameter("queue", queue).setParameter("status", status).executeUpdate();
    }

    /**
     * Requeues every job in {@code status}: those without a unique key with one statement, those with one job by
     * job, since each must take its key back only if no other job took it meanwhile.
     */
    int requeueAll(EntityManager em, JobStatus status, LocalDateTime now) {
        int count = em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.attempts = 0, j.runAt = :now, "
                        + "j.finishedAt = NULL, j.workerId = NULL, j.lockedAt = NULL, j.progress = NULL, "
                        + "j.progressMessage = NULL, j.progressAt = NULL "
                        + "WHERE j.queue = :queue AND j.status = :status AND j.uniqueKey IS NULL")
                .setParameter("pending", JobStatus.PENDING).setParameter("now", now)
                .setParameter("queue", queue).setParameter("status", status).executeUpdate();
        for (String id : em.createQuery("SELECT j.id FROM ApiaryJob j WHERE j.queue = :queue "
                        + "AND j.status = :status AND j.uniqueKey IS NOT NULL", String.class)
                .setParameter("queue", queue).setParameter("status", status).getResultList()) {
            count += requeue(em, id, now) ? 1 : 0;
        }
        return count;
    }

    /**
     * Jobs that ended since {@code since} (at most a day ago), counted per minute and status in the database: the
     * minute is told by its hour and minute of the day, which are unique within a day.
     */
    List<Throughput> throughput(EntityManager em, LocalDateTime since) {
        LocalDateTime from = since.truncatedTo(ChronoUnit.MINUTES);
        TreeMap<LocalDateTime, long[]> minutes = new TreeMap<>();
        for (Object[] row : em.createQuery("SELECT j.status, EXTRACT(HOUR FROM j.finishedAt), "
                        + "EXTRACT(MINUTE FROM j.finishedAt), COUNT(j) FROM ApiaryJob j WHERE j.queue = :queue "
                        + "AND j.finishedAt >= :since GROUP BY j.status, EXTRACT(HOUR FROM j.finishedAt), "
                        + "EXTRACT(MINUTE FROM j.finishedAt)", Object[].class)
                .setParameter("queue", queue).setParameter("since", since).getResultList()) {
            LocalDateTime minute = from.withHour(((Number) row[1]).intValue())
                    .withMinute(((Number) row[2]).intValue());
            if (minute.isBefore(from)) {
                minute = minute.plusDays(1);
            }
            JobStatus status = (JobStatus) row[0];
            long[] c = minutes.computeIfAbsent(minute, m -> new long[3]);
            c[status == JobStatus.DONE ? 0 : status == JobStatus.FAILED ? 1 : 2] += ((Number) row[3]).longValue();
        }
        List<Throughput> result = new ArrayList<>(minutes.size());
        minutes.forEach((minute, c) -> result.add(new Throughput(instant(minute), c[0], c[1], c[2])));
        return result;
    }

    /**
     * Sets a pending, failed or killed job to run at {@code now} with no attempts made. Its unique key becomes
     * active again unless another job took it meanwhile; then the job runs without holding the key.
     */
    boolean requeue(EntityManager em, String id, LocalDateTime now) {
        int updated = em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.attempts = 0, j.runAt = :now, "
                        + "j.finishedAt = NULL, j.workerId = NULL, j.lockedAt = NULL, j.progress = NULL, "
                        + "j.progressMessage = NULL, j.progressAt = NULL "
                        + "WHERE j.id = :id AND j.queue = :queue AND j.status IN :statuses")
                .setParameter("pending", JobStatus.PENDING).setParameter("now", now)
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
        return true;
    }

    /** Kills the job if its status is one of {@code from}. */
    boolean kill(EntityManager em, String id, String reason, List<JobStatus> from, LocalDateTime now) {
        return em.createQuery("UPDATE ApiaryJob j SET j.status = :killed, j.lastError = :reason, "
                        + "j.finishedAt = :now, j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL "
                        + "WHERE j.id = :id AND j.queue = :queue AND j.status IN :from")
                .setParameter("killed", JobStatus.KILLED).setParameter("reason", reason).setParameter("now", now)
                .setParameter("id", id).setParameter("queue", queue).setParameter("from", from)
                .executeUpdate() > 0;
    }

    /** Only final jobs have a finish time (requeue clears it), which lets an index on it serve this delete. */
    int purgeFinishedBefore(EntityManager em, LocalDateTime before) {
        return em.createQuery("DELETE FROM ApiaryJob j WHERE j.queue = :queue AND j.finishedAt < :before")
                .setParameter("queue", queue).setParameter("before", before).executeUpdate();
    }

    /** A cheap query that fails when the database or the tables are missing. */
    void ping(EntityManager em) {
        em.createQuery("SELECT COUNT(w) FROM ApiaryWorker w WHERE w.id = ''", Long.class).getSingleResult();
    }

    // ---- times

    /**
     * Milliseconds, which every database keeps exactly: a lock time read back equals the one written (the portable
     * claim relies on it), and a job pushed in the same millisecond as a claim is already due for it.
     */
    static LocalDateTime utc(Instant instant) {
        return LocalDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC);
    }

    static Instant instant(LocalDateTime utc) {
        return utc == null ? null : utc.toInstant(ZoneOffset.UTC);
    }

    private static LocalDateTime runAt(JobOptions options, LocalDateTime now) {
        return options.runAt() == null ? now : utc(options.runAt());
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
}
