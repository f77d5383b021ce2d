package dev.apiary.jpa;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.StorageException;
import dev.apiary.spi.JobIds;
import jakarta.persistence.EntityManager;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL's statements ({@link SqlDialect#POSTGRESQL}): a claim with {@code FOR UPDATE SKIP LOCKED}, unique pushes
 * with {@code ON CONFLICT DO NOTHING}, and {@code NOTIFY} inside the writing statement or transaction; H2's
 * multi-row inserts and native settle otherwise.
 */
final class PostgresSql extends H2Sql {

    PostgresSql(String queue, String payloadType) {
        super(queue, payloadType);
    }

    /**
     * The server's own limits, for this transaction only ({@code set_config(.., true)} is {@code SET LOCAL}): they
     * hold without a second connection for a cancel request, and a lock wait fails early with its own SQL state
     * (55P03), which the storage retries as a transient failure.
     */
    @Override
    void limitTime(EntityManager em, Duration statementTimeout, Duration lockTimeout) {
        em.createNativeQuery("SELECT set_config('statement_timeout', ?1, true), set_config('lock_timeout', ?2, true)")
                .setParameter(1, statementTimeout.toMillis() + "ms").setParameter(2, lockTimeout.toMillis() + "ms")
                .getResultList();
    }

    @Override
    boolean notifiesInInsert() {
        return true;
    }

    /** PostgreSQL delivers a NOTIFY at commit and drops it on rollback, so it belongs inside the writing transaction. */
    @Override
    void notifyOtherNodes(EntityManager em) {
        em.createNativeQuery("SELECT 1 FROM pg_notify(?1, ?2)")
                .setParameter(1, JobTable.CHANNEL).setParameter(2, queue).getResultList();
    }

    @Override
    void notifyFinished(EntityManager em) {
        em.createNativeQuery("SELECT 1 FROM pg_notify(?1, ?2)")
                .setParameter(1, JobTable.FINISHED_CHANNEL).setParameter(2, queue).getResultList();
    }

    @Override
    boolean notifiesFinished() {
        return true;
    }

    /**
     * {@code INSERT ... ON CONFLICT DO NOTHING} waits for a concurrent push of the same key to end and then skips the
     * row instead of failing, so even a caller's transaction survives the race.
     */
    @Override
    String insertUnique(EntityManager em, String json, String metadata, JobOptions options, LocalDateTime now) {
        String key = options.uniqueKey();
        String sql = "INSERT INTO apiary_jobs (id, queue, payload, payload_type, status, attempts, max_attempts, "
                + "run_at, priority, enqueued_at, unique_key, active_key" + (metadata == null ? "" : ", metadata")
                + ") VALUES (?1, ?2, ?3, ?4, 'PENDING', 0, ?5, ?6, ?7, ?8, ?9, ?9" + (metadata == null ? "" : ", ?10")
                + ") ON CONFLICT (queue, active_key) DO NOTHING";
        // a holder found missing right after a conflict has just become final: the key is free again
        for (int round = 0; round < 3; round++) {
            String id = JobIds.next();
            var insert = em.createNativeQuery(sql).setParameter(1, id).setParameter(2, queue)
                    .setParameter(3, json).setParameter(4, payloadType).setParameter(5, options.maxAttempts())
                    .setParameter(6, JobTable.runAt(options, now)).setParameter(7, options.priority())
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

    /** What a claim returns of each row, in this order ({@link #claimedRow}): what a worker's job is made of. */
    private static final String CLAIMED_COLUMNS = "j.id, j.queue, j.payload, j.attempts, j.max_attempts, j.run_at, "
            + "j.priority, j.enqueued_at, j.metadata, j.partition_key";

    /**
     * One statement: lock the best due rows that no one else has locked, mark them running and return them. Rows a
     * concurrent claim holds are skipped rather than waited for, so claimers never queue behind each other. The
     * candidates sit in a CTE, which PostgreSQL evaluates exactly once (a locking CTE is never inlined); an
     * {@code IN (subquery)} could be re-run by some plans and then take more than {@code max} rows. A paused queue
     * yields no candidate, in the same statement (no round trip of its own).
     *
     * <p>The rows come back as plain values, not entities: a claim's rows are only read to make jobs, and as
     * managed entities each cost the persistence provider its entity set-up and a look at flush time, a large share
     * of the CPU a job costs the worker.
     */
    @Override
    List<JobEntity> claimRows(EntityManager em, String workerId, String node, int max, LocalDateTime now) {
        List<?> rows = em.createNativeQuery("WITH picked AS (SELECT id FROM apiary_jobs "
                        + "WHERE queue = ?3 AND status = 'PENDING' AND run_at <= ?2 "
                        + "AND NOT EXISTS (SELECT 1 FROM apiary_paused_queues p WHERE p.queue = ?3) "
                        + "ORDER BY priority DESC, run_at, id LIMIT ?4 FOR UPDATE SKIP LOCKED) "
                        + "UPDATE apiary_jobs j SET status = 'RUNNING', worker_id = ?1, locked_at = ?2, "
                        + "attempts = j.attempts + 1, attempt_node = ?5, attempt_worker_id = ?1 "
                        + "FROM picked WHERE j.id = picked.id RETURNING " + CLAIMED_COLUMNS)
                .setParameter(1, workerId).setParameter(2, now).setParameter(3, queue).setParameter(4, max)
                .setParameter(5, node)
                .getResultList();
        List<JobEntity> claimed = new ArrayList<>(rows.size());
        for (Object row : rows) {
            claimed.add(claimedRow((Object[]) row, workerId, node, now));
        }
        return claimed;
    }

    /** A claimed row as the entity the rest of the storage reads, detached; in {@link #CLAIMED_COLUMNS}' order. */
    private static JobEntity claimedRow(Object[] row, String workerId, String node, LocalDateTime now) {
        JobEntity job = new JobEntity((String) row[0], (String) row[1]);
        job.payload = JobTable.text(row[2]);
        job.status = JobStatus.RUNNING;
        job.attempts = ((Number) row[3]).intValue();
        job.maxAttempts = ((Number) row[4]).intValue();
        job.runAt = JobTable.timestamp(row[5]);
        job.priority = ((Number) row[6]).intValue();
        job.enqueuedAt = JobTable.timestamp(row[7]);
        job.metadata = JobTable.text(row[8]);
        job.partitionKey = (String) row[9];
        job.workerId = workerId;
        job.lockedAt = now;
        job.attemptNode = node;
        job.attemptWorkerId = workerId;
        return job;
    }
}
