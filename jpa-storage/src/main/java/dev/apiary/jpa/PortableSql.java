package dev.apiary.jpa;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.spi.JobIds;
import jakarta.persistence.EntityManager;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The statements whose fastest form depends on the database, in JPQL for any database ({@link SqlDialect#STANDARD});
 * {@link H2Sql} and {@link PostgresSql} override what their database does faster, so each database's SQL is in one
 * class. {@link JobTable} holds the statements that are the same everywhere and picks one of these once per storage.
 */
class PortableSql {

    /**
     * Claimed rows are read, never changed through the entity: loaded read-only, Hibernate keeps no snapshot of them
     * and does not compare every claimed row at the flushes before later statements and at the commit. Other
     * providers ignore the hint, as JPA requires. (EclipseLink's own read-only hint is not used: its read-only
     * queries answer from the shared cache, which does not see the claim's update.)
     */
    static final String HIBERNATE_READ_ONLY = "org.hibernate.readOnly";
    /** JPA's standard query timeout hint, in milliseconds. */
    static final String QUERY_TIMEOUT = "jakarta.persistence.query.timeout";
    /**
     * Rows per multi-row insert or persist batch. Larger statements gain nothing on PostgreSQL or H2, and
     * EclipseLink's parameter handling slows down sharply beyond a few hundred parameters (measured: 1000 rows per
     * statement halve its rate).
     */
    static final int ROWS_PER_INSERT = 100;
    static final Comparator<JobEntity> CLAIM_ORDER = Comparator
            .comparingInt((JobEntity e) -> -e.priority)
            .thenComparing(e -> e.runAt)
            .thenComparing(e -> e.id);

    final String queue;
    final String payloadType;

    PortableSql(String queue, String payloadType) {
        this.queue = queue;
        this.payloadType = payloadType;
    }

    /** The statements for {@code dialect}. */
    static PortableSql of(SqlDialect dialect, String queue, String payloadType) {
        return switch (dialect) {
            case POSTGRESQL -> new PostgresSql(queue, payloadType);
            case H2 -> new H2Sql(queue, payloadType);
            case STANDARD -> new PortableSql(queue, payloadType);
        };
    }

    // ---- time limits

    /**
     * Bounds every later statement of {@code em}'s transaction: JPA's query timeout hint on the entity manager, which
     * providers apply to the queries it creates (Hibernate does) as a JDBC query timeout, in whole seconds. Zero
     * leaves a limit off. JPA has no portable lock timeout for plain statements: the statement timeout bounds lock
     * waits too.
     */
    void limitTime(EntityManager em, Duration statementTimeout, Duration lockTimeout) {
        if (!statementTimeout.isZero()) {
            em.setProperty(QUERY_TIMEOUT, (int) Math.min(Integer.MAX_VALUE,
                    Math.max(1000, statementTimeout.toMillis())));
        }
    }

    // ---- enqueue

    /** One job; with {@code notify}, other nodes are told too. */
    String insert(EntityManager em, String json, String metadata, JobOptions options, LocalDateTime now,
                  boolean notify) {
        JobEntity job = newJob(json, metadata, options, now);
        em.persist(job);
        if (notify) {
            notifyOtherNodes(em);
        }
        return job.id;
    }

    /**
     * Inserts a job holding {@code options.uniqueKey()}, or returns the id of the job that holds it. Two concurrent
     * pushes may both find no holder; the unique constraint on {@code (queue, active_key)} then fails the second.
     */
    String insertUnique(EntityManager em, String json, String metadata, JobOptions options, LocalDateTime now) {
        String holder = activeHolder(em, options.uniqueKey());
        if (holder != null) {
            return holder;
        }
        JobEntity job = newJob(json, metadata, options, now);
        em.persist(job);
        return job.id;
    }

    /** Many jobs with the same options, persisted in batches; with {@code notify}, other nodes are told too. */
    List<String> insertAll(EntityManager em, List<String> json, String metadata, JobOptions options,
                           LocalDateTime now, boolean notify) {
        List<String> ids = new ArrayList<>(json.size());
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

    /** Tells other nodes that jobs were pushed, inside the writing transaction; only PostgreSQL can. */
    void notifyOtherNodes(EntityManager em) {
    }

    /** Tells every node that jobs may have become final, at the transaction's commit; only PostgreSQL can. */
    void notifyFinished(EntityManager em) {
    }

    boolean notifiesFinished() {
        return false;
    }

    String activeHolder(EntityManager em, String uniqueKey) {
        List<String> holder = em.createQuery("SELECT j.id FROM ApiaryJob j WHERE j.queue = :queue "
                        + "AND j.activeKey = :key", String.class)
                .setParameter("queue", queue).setParameter("key", uniqueKey).getResultList();
        return holder.isEmpty() ? null : holder.get(0);
    }

    JobEntity newJob(String json, String metadata, JobOptions options, LocalDateTime now) {
        JobEntity job = new JobEntity(JobIds.next(), queue);
        job.payload = json;
        job.payloadType = payloadType;
        job.status = JobStatus.PENDING;
        job.maxAttempts = options.maxAttempts();
        job.priority = options.priority();
        job.enqueuedAt = now;
        job.runAt = JobTable.runAt(options, now);
        job.uniqueKey = options.uniqueKey();
        job.activeKey = options.uniqueKey();
        job.metadata = metadata;
        return job;
    }

    // ---- claim and settle

    /** Marks up to {@code max} due jobs running for {@code workerId}, counts the attempt, returns them in claim order. */
    final List<JobEntity> claim(EntityManager em, String workerId, String node, int max, LocalDateTime now) {
        List<JobEntity> rows = claimRows(em, workerId, node, max, now);
        rows.sort(CLAIM_ORDER);
        return rows;
    }

    /**
     * Portable: pick candidates, take them with one update that only succeeds on rows still pending, and read back
     * the rows that carry this claim's worker and lock time (millisecond times are stored exactly everywhere). This
     * relies on the database re-checking an {@code UPDATE}'s condition on a row it had to wait for, as PostgreSQL,
     * H2, MySQL, Oracle and SQL Server do. Claimers racing for the same rows each get a share; a claimer that lost
     * every candidate tries again with fresh ones.
     */
    List<JobEntity> claimRows(EntityManager em, String workerId, String node, int max, LocalDateTime now) {
        if (paused(em)) {
            return new ArrayList<>();
        }
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
                            + "j.lockedAt = :now, j.attempts = j.attempts + 1, j.attemptNode = :node, "
                            + "j.attemptWorkerId = :worker WHERE j.id IN :ids AND j.status = :pending")
                    .setParameter("running", JobStatus.RUNNING).setParameter("worker", workerId)
                    .setParameter("node", node)
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

    // ---- pause and resume (native: the table needs no entity in the caller's persistence unit)

    /** Whether the queue is paused ({@code apiary_paused_queues} has its row): a claim then takes nothing. */
    final boolean paused(EntityManager em) {
        return ((Number) em.createNativeQuery("SELECT COUNT(*) FROM apiary_paused_queues WHERE queue = ?1")
                .setParameter(1, queue).getSingleResult()).longValue() > 0;
    }

    /** Adds the queue's row unless it is there; a concurrent pause may add it first (the caller checks again). */
    final void pause(EntityManager em, LocalDateTime now) {
        if (!paused(em)) {
            em.createNativeQuery("INSERT INTO apiary_paused_queues (queue, paused_at) VALUES (?1, ?2)")
                    .setParameter(1, queue).setParameter(2, now).executeUpdate();
        }
    }

    /** Removes the queue's row: whether there was one. */
    final boolean resume(EntityManager em) {
        return em.createNativeQuery("DELETE FROM apiary_paused_queues WHERE queue = ?1")
                .setParameter(1, queue).executeUpdate() > 0;
    }

    /**
     * Ends the given jobs (a chunk that fits one statement) as done, all held by {@code workerId} in {@code attempt};
     * the lock times, when known, only narrow what a database's plan reads (see {@link H2Sql}).
     */
    void settleDone(EntityManager em, String workerId, int attempt, List<String> ids, LocalDateTime now,
                    LocalDateTime lockedFrom, LocalDateTime lockedTo) {
        em.createQuery("UPDATE ApiaryJob j SET j.status = :done, j.finishedAt = :now, j.lastError = NULL, "
                        + "j.workerId = NULL, j.lockedAt = NULL, j.activeKey = NULL "
                        + "WHERE j.id IN :ids AND j.queue = :queue AND j.status = :running "
                        + "AND j.workerId = :worker AND j.attempts = :attempt")
                .setParameter("done", JobStatus.DONE).setParameter("now", now).setParameter("ids", ids)
                .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING)
                .setParameter("worker", workerId).setParameter("attempt", attempt).executeUpdate();
    }
}
