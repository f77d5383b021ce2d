package dev.apiary.jpa;

import dev.apiary.JobOptions;
import dev.apiary.spi.JobIds;
import jakarta.persistence.EntityManager;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * H2's statements ({@link SqlDialect#H2}): multi-row inserts and a native settle of done jobs; claims stay portable.
 * {@link PostgresSql} builds on these.
 */
class H2Sql extends PortableSql {

    H2Sql(String queue, String payloadType) {
        super(queue, payloadType);
    }

    /**
     * One native statement, on PostgreSQL with the {@code NOTIFY} inside it: a push in a transaction of its own costs
     * two round trips (the statement and the commit), and the entity manager keeps no state for it.
     */
    @Override
    String insert(EntityManager em, String json, String metadata, JobOptions options, LocalDateTime now,
                  boolean notify) {
        return insertAll(em, List.of(json), metadata, options, now, notify).get(0);
    }

    /** Whether the first insert statement can carry the notification of other nodes itself. */
    boolean notifiesInInsert() {
        return false;
    }

    /**
     * Multi-row inserts with the shared options bound once per statement and two parameters per job. With
     * {@code notify}, other nodes are told too; on PostgreSQL by the first insert statement itself, which saves a
     * round trip.
     */
    @Override
    List<String> insertAll(EntityManager em, List<String> json, String metadata, JobOptions options,
                           LocalDateTime now, boolean notify) {
        List<String> ids = new ArrayList<>(json.size());
        int constants = metadata == null ? 6 : 7;
        boolean notifyInStatement = notify && notifiesInInsert();
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
                    .setParameter(3, options.maxAttempts()).setParameter(4, JobTable.runAt(options, now))
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
                insert.setParameter(last + 1, JobTable.CHANNEL).setParameter(last + 2, queue).getResultList();
            } else {
                insert.executeUpdate();
            }
        }
        return ids;
    }

    /**
     * Native SQL because Hibernate translates a JPQL update with a list parameter anew on every execution
     * (measured: ten times EclipseLink's cost per settle); the list is padded to a power of two so that the database
     * sees a handful of distinct statements, not one per batch size.
     */
    @Override
    void settleDone(EntityManager em, String workerId, int attempt, List<String> ids, LocalDateTime now,
                    LocalDateTime lockedFrom, LocalDateTime lockedTo) {
        boolean bounded = lockedFrom != null && lockedTo != null;
        int slots = Integer.highestOneBit(ids.size() - 1 | 1) << 1;
        int first = bounded ? 7 : 5;
        var update = em.createNativeQuery(settleDoneSql(slots, bounded)).setParameter(1, now)
                .setParameter(2, queue).setParameter(3, workerId).setParameter(4, attempt);
        if (bounded) {
            update.setParameter(5, lockedFrom).setParameter(6, lockedTo);
        }
        for (int i = 0; i < slots; i++) {
            update.setParameter(i + first, ids.get(Math.min(i, ids.size() - 1)));
        }
        update.executeUpdate();
    }

    /**
     * The settle of {@code slots} done jobs, bounded by their lock times or not. The bound matters on PostgreSQL: by
     * statistics taken while few jobs ran, its plan reads the partial index of running jobs (queue, lock time) and
     * tests each entry against the ids; without the bound that is every entry of the queue, in a long drain mostly
     * dead ones that the settles' own snapshots keep, and settles took seconds.
     */
    static String settleDoneSql(int slots, boolean bounded) {
        StringBuilder sql = new StringBuilder("UPDATE apiary_jobs SET status = 'DONE', finished_at = ?1, "
                + "last_error = NULL, worker_id = NULL, locked_at = NULL, active_key = NULL "
                + "WHERE queue = ?2 AND status = 'RUNNING' AND worker_id = ?3 AND attempts = ?4 ");
        int first = 5;
        if (bounded) {
            sql.append("AND locked_at >= ?5 AND locked_at <= ?6 ");
            first = 7;
        }
        sql.append("AND id IN (");
        for (int i = 0; i < slots; i++) {
            sql.append(i == 0 ? "?" : ", ?").append(i + first);
        }
        return sql.append(')').toString();
    }
}
