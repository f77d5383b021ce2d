package dev.apiary.jpa;

import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.QueueLimits;
import dev.apiary.StorageException;
import dev.apiary.spi.Throughput;
import jakarta.persistence.EntityManager;

import java.sql.Clob;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every statement the storage runs on {@code apiary_jobs} for one queue: here in JPQL those that are the same on
 * every database, and in {@link PortableSql}, {@link H2Sql} or {@link PostgresSql} those whose fastest form depends
 * on the database (enqueue, notify, claim, the settle of done jobs). {@link WorkerTable} holds the statements on
 * {@code apiary_workers}, {@link JpaScheduleStore} those on {@code apiary_schedules}. Each method works inside the
 * transaction of the {@link EntityManager} it is given; {@link StorageTransactions} decides which one that is.
 * Payloads and metadata arrive here already encoded.
 */
final class JobTable {

    /** The PostgreSQL channel for new-job notifications; the payload is the queue name. */
    static final String CHANNEL = "apiary_jobs";
    /** The PostgreSQL channel for jobs that became final (settled, killed, cancelled); the payload is the queue name. */
    static final String FINISHED_CHANNEL = "apiary_finished";
    private static final int IDS_PER_STATEMENT = 1000;
    /** Matches a job only while the settling worker still holds the attempt it ran. */
    private static final String HELD_BY = "WHERE j.id = :id AND j.queue = :queue AND j.status = :running "
            + "AND j.workerId = :worker AND j.attempts = :attempt";

    private final String queue;
    /** The statements whose form depends on the database. */
    private final PortableSql sql;
    /** The claim of a queue with limits. */
    private final LimitedClaims limitedClaims;
    /** The queue's limits, set by the storage; read by every claim and push. */
    private volatile QueueLimits limits = QueueLimits.none();

    JobTable(String queue, Class<?> payloadType, SqlDialect dialect) {
        this.queue = queue;
        this.sql = PortableSql.of(dialect, queue, payloadType.getName());
        this.limitedClaims = new LimitedClaims(queue);
    }

    QueueLimits limits() {
        return limits;
    }

    /** Sets the queue's limits, with the row in {@code apiary_queue_limits} that limited claims lock. */
    void limit(EntityManager em, QueueLimits newLimits) {
        if (newLimits.limited()) {
            limitedClaims.prepare(em);
        }
        limits = newLimits;
    }

    /** Sets the partition key of new jobs, by key; a job that has one already keeps it. */
    void setPartitionKeys(EntityManager em, Map<String, List<String>> idsByKey) {
        idsByKey.forEach((key, jobIds) -> {
            for (List<String> ids : chunks(jobIds)) {
                em.createQuery("UPDATE ApiaryJob j SET j.partitionKey = :key WHERE j.id IN :ids "
                                + "AND j.partitionKey IS NULL")
                        .setParameter("key", key).setParameter("ids", ids).executeUpdate();
            }
        });
    }

    /** Bounds the later statements of {@code em}'s transaction; zero leaves a limit off. */
    void limitTime(EntityManager em, Duration statementTimeout, Duration lockTimeout) {
        sql.limitTime(em, statementTimeout, lockTimeout);
    }

    // ---- enqueue

    /** One job; with {@code notify}, other nodes are told too. */
    String insert(EntityManager em, String json, String metadata, JobOptions options, LocalDateTime now,
                  boolean notify) {
        return sql.insert(em, json, metadata, options, now, notify);
    }

    /** Inserts a job holding {@code options.uniqueKey()}, or returns the id of the job that holds it. */
    String insertUnique(EntityManager em, String json, String metadata, JobOptions options, LocalDateTime now) {
        return sql.insertUnique(em, json, metadata, options, now);
    }

    /** Many jobs with the same options; with {@code notify}, other nodes are told too. */
    List<String> insertAll(EntityManager em, List<String> json, String metadata, JobOptions options,
                           LocalDateTime now, boolean notify) {
        return sql.insertAll(em, json, metadata, options, now, notify);
    }

    String activeHolder(EntityManager em, String uniqueKey) {
        return sql.activeHolder(em, uniqueKey);
    }

    /** Tells other nodes that jobs were pushed, inside the writing transaction (PostgreSQL's NOTIFY). */
    void notifyOtherNodes(EntityManager em) {
        sql.notifyOtherNodes(em);
    }

    /**
     * Tells every node that jobs of the queue may have become final (PostgreSQL's NOTIFY on
     * {@value #FINISHED_CHANNEL}), delivered at the commit of {@code em}'s transaction, so that waits for them end.
     */
    void notifyFinished(EntityManager em) {
        sql.notifyFinished(em);
    }

    /** Whether {@link #notifyFinished} tells other nodes anything (PostgreSQL). */
    boolean notifiesFinished() {
        return sql.notifiesFinished();
    }

    // ---- claim and settle

    /** Marks up to {@code max} due jobs running for {@code workerId}, counts the attempt, returns them in claim order. */
    List<JobEntity> claim(EntityManager em, String workerId, String node, int max, LocalDateTime now) {
        QueueLimits current = limits;
        if (current.limited()) {
            List<JobEntity> rows = limitedClaims.claim(em, sql, current, workerId, node, max, now);
            rows.sort(PortableSql.CLAIM_ORDER);
            return rows;
        }
        return sql.claim(em, workerId, node, max, now);
    }

    /** Whether this node's last claim left the queue, or a key, running as many jobs as its cap allows. */
    boolean runningCapReached() {
        return limits.limited() && limitedClaims.runningCapReached();
    }

    /** Whether the queue is paused. */
    boolean paused(EntityManager em) {
        return sql.paused(em);
    }

    /** Pauses the queue (stored in {@code apiary_paused_queues}). */
    void pause(EntityManager em, LocalDateTime now) {
        sql.pause(em, now);
    }

    /** Resumes the queue: whether it was paused. */
    boolean resume(EntityManager em) {
        return sql.resume(em);
    }

    /**
     * Ends the given jobs as done, all held by {@code workerId} in {@code attempt} and locked between
     * {@code lockedFrom} and {@code lockedTo} (both null when not known): one statement per 1000 jobs.
     */
    void settleDone(EntityManager em, String workerId, int attempt, List<String> jobIds, LocalDateTime now,
                    LocalDateTime lockedFrom, LocalDateTime lockedTo) {
        for (List<String> ids : chunks(jobIds)) {
            sql.settleDone(em, workerId, attempt, ids, now, lockedFrom, lockedTo);
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

    /**
     * Hands back, without counting the attempt, the jobs that claims of {@code workerId} marked at one of
     * {@code lockedAt} and that are still running under it: claims that failed without saying whether they committed,
     * so the worker never got those jobs.
     */
    int releaseUnanswered(EntityManager em, String workerId, Collection<LocalDateTime> lockedAt) {
        return em.createQuery("UPDATE ApiaryJob j SET j.status = :pending, j.attempts = j.attempts - 1, "
                        + "j.workerId = NULL, j.lockedAt = NULL WHERE j.queue = :queue AND j.status = :running "
                        + "AND j.workerId = :worker AND j.lockedAt IN :times")
                .setParameter("pending", JobStatus.PENDING).setParameter("queue", queue)
                .setParameter("running", JobStatus.RUNNING).setParameter("worker", workerId)
                .setParameter("times", List.copyOf(lockedAt)).executeUpdate();
    }

    // ---- progress and orphans

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
                        + "j.progressMessage = NULL, j.progressAt = NULL, j.cancelledBy = NULL "
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
                        + "j.progressMessage = NULL, j.progressAt = NULL, j.cancelledBy = NULL "
                        + "WHERE j.id = :id AND j.queue = :queue AND j.status IN :statuses")
                .setParameter("pending", JobStatus.PENDING).setParameter("now", now)
                .setParameter("id", id).setParameter("queue", queue)
                .setParameter("statuses", List.of(JobStatus.PENDING, JobStatus.FAILED, JobStatus.KILLED,
                        JobStatus.CANCELLED))
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

    /** Cancels the job if it is pending, waiting or running; a running attempt's settlement then finds it no longer held. */
    boolean cancel(EntityManager em, String id, String by, String reason, LocalDateTime now) {
        return em.createQuery("UPDATE ApiaryJob j SET j.status = :cancelled, j.lastError = :reason, "
                        + "j.cancelledBy = :by, j.finishedAt = :now, j.workerId = NULL, j.lockedAt = NULL, "
                        + "j.activeKey = NULL WHERE j.id = :id AND j.queue = :queue AND j.status IN :from")
                .setParameter("cancelled", JobStatus.CANCELLED).setParameter("reason", reason)
                .setParameter("by", by).setParameter("now", now).setParameter("id", id)
                .setParameter("queue", queue).setParameter("from", List.of(JobStatus.PENDING, JobStatus.RUNNING,
                        JobStatus.WAITING))
                .executeUpdate() > 0;
    }

    /** The status of each job of {@code jobIds} in this queue, in statements of up to a thousand ids. */
    Map<String, JobStatus> statuses(EntityManager em, Collection<String> jobIds) {
        Map<String, JobStatus> statuses = new HashMap<>();
        for (List<String> ids : chunks(new ArrayList<>(jobIds))) {
            for (Object[] row : em.createQuery("SELECT j.id, j.status FROM ApiaryJob j WHERE j.id IN :ids "
                            + "AND j.queue = :queue", Object[].class)
                    .setParameter("ids", ids).setParameter("queue", queue).getResultList()) {
                statuses.put((String) row[0], (JobStatus) row[1]);
            }
        }
        return statuses;
    }

    /** Of {@code jobIds}, those that are cancelled. */
    List<String> cancelled(EntityManager em, Collection<String> jobIds) {
        List<String> cancelled = new ArrayList<>();
        for (List<String> ids : chunks(new ArrayList<>(jobIds))) {
            cancelled.addAll(em.createQuery("SELECT j.id FROM ApiaryJob j WHERE j.id IN :ids AND j.queue = :queue "
                            + "AND j.status = :cancelled", String.class)
                    .setParameter("ids", ids).setParameter("queue", queue)
                    .setParameter("cancelled", JobStatus.CANCELLED).getResultList());
        }
        return cancelled;
    }

    /** Only final jobs have a finish time (requeue clears it), which lets an index on it serve this delete. */
    int purgeFinishedBefore(EntityManager em, LocalDateTime before) {
        return em.createQuery("DELETE FROM ApiaryJob j WHERE j.queue = :queue AND j.finishedAt < :before")
                .setParameter("queue", queue).setParameter("before", before).executeUpdate();
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

    /**
     * A {@code timestamp} column's value as the provider hands it in a native query's plain result (Hibernate and
     * EclipseLink give different types), or null.
     */
    static LocalDateTime timestamp(Object value) {
        if (value == null || value instanceof LocalDateTime) {
            return (LocalDateTime) value;
        }
        if (value instanceof Timestamp timestamp) {
            return timestamp.toLocalDateTime();
        }
        if (value instanceof OffsetDateTime offset) {
            return offset.toLocalDateTime();
        }
        throw new StorageException("A native query read a timestamp as " + value.getClass().getName() + ": "
                + value);
    }

    /** A text column's value in a native query's plain result: a String, or a CLOB where the provider reads one. */
    static String text(Object value) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof Clob clob) {
            try {
                return clob.getSubString(1, (int) clob.length());
            } catch (SQLException e) {
                throw new StorageException("Cannot read a text column of apiary_jobs", e);
            }
        }
        return value.toString();
    }

    static LocalDateTime runAt(JobOptions options, LocalDateTime now) {
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
