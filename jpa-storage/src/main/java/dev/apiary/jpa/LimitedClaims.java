package dev.apiary.jpa;

import dev.apiary.JobStatus;
import dev.apiary.QueueLimits;
import jakarta.persistence.EntityManager;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The claim of a queue with {@link QueueLimits}, on any database. Claims of a limited queue take turns: each first
 * updates the queue's row in {@code apiary_queue_limits}, which every database locks until the claim commits, so the
 * next claim counts the jobs the one before marked running. Under that lock it counts what runs (per key with a
 * partition key) and what started in the current rate periods, takes at most what the limits leave, and adds what it
 * took to the periods' counts. Keys at their limit are left out of the candidates, so they hold up no other key; a
 * fair claim visits the keys with due jobs in turn, one job each.
 */
final class LimitedClaims {

    /** The row of the queue itself in {@code apiary_queue_limits}; rows of keys carry the key. */
    static final String QUEUE_ROW = "";
    /** Candidate rounds of a claim that skips keys: each round leaves out the keys the one before filled. */
    private static final int ROUNDS = 4;
    private static final Comparator<String> KEY_ORDER = Comparator.nullsFirst(Comparator.naturalOrder());

    private final String queue;
    /** The key a fair claim of this node served last; the next one starts after it. Read and written under the lock. */
    private volatile String lastServed;
    /** Whether the last claim left the queue or a key at its running cap; written by claims. */
    private volatile boolean runningCapReached;

    LimitedClaims(String queue) {
        this.queue = queue;
    }

    /** Makes sure the queue's row exists, so that claims can lock it; a concurrent insert of it is harmless. */
    void prepare(EntityManager em) {
        if (lockQueue(em) == 0) {
            em.createNativeQuery("INSERT INTO apiary_queue_limits (queue, partition_key, period_index, starts) "
                    + "VALUES (?1, ?2, 0, 0)").setParameter(1, queue).setParameter(2, QUEUE_ROW).executeUpdate();
        }
    }

    List<JobEntity> claim(EntityManager em, PortableSql sql, QueueLimits limits, String workerId, String node,
                          int max, LocalDateTime now) {
        if (lockQueue(em) == 0) {
            prepare(em);
        }
        long millis = now.toInstant(ZoneOffset.UTC).toEpochMilli();
        Map<String, Long> runningByKey = new HashMap<>();
        long running = 0;
        if (limits.maxRunning() > 0 || limits.maxRunningPerKey() > 0) {
            for (Object[] row : em.createQuery("SELECT j.partitionKey, COUNT(j) FROM ApiaryJob j "
                            + "WHERE j.queue = :queue AND j.status = :running GROUP BY j.partitionKey", Object[].class)
                    .setParameter("queue", queue).setParameter("running", JobStatus.RUNNING).getResultList()) {
                long n = ((Number) row[1]).longValue();
                running += n;
                if (row[0] != null) {
                    runningByKey.put((String) row[0], n);
                }
            }
        }
        Map<String, Integer> startsByKey = new HashMap<>();
        long queuePeriod = limits.rate() == null ? 0 : period(limits.rate(), millis);
        long keyPeriod = limits.ratePerKey() == null ? 0 : period(limits.ratePerKey(), millis);
        int queueStarts = 0;
        if (limits.rate() != null || limits.ratePerKey() != null) {
            if (limits.ratePerKey() != null) {
                // rows of keys from earlier periods say nothing any more
                em.createNativeQuery("DELETE FROM apiary_queue_limits WHERE queue = ?1 AND partition_key <> ?2 "
                                + "AND period_index < ?3")
                        .setParameter(1, queue).setParameter(2, QUEUE_ROW).setParameter(3, keyPeriod).executeUpdate();
            }
            for (Object row : em.createNativeQuery("SELECT partition_key, period_index, starts "
                    + "FROM apiary_queue_limits WHERE queue = ?1").setParameter(1, queue).getResultList()) {
                Object[] r = (Object[]) row;
                String key = (String) r[0];
                long period = ((Number) r[1]).longValue();
                int starts = ((Number) r[2]).intValue();
                // a period later than this node's clock says is another node's, whose clock is ahead: it counts
                if (QUEUE_ROW.equals(key)) {
                    queueStarts = period >= queuePeriod ? starts : 0;
                } else if (period >= keyPeriod) {
                    startsByKey.put(key, starts);
                }
            }
        }
        long budget = max;
        if (limits.maxRunning() > 0) {
            budget = Math.min(budget, limits.maxRunning() - running);
        }
        runningCapReached = limits.maxRunning() > 0 && running >= limits.maxRunning();
        if (limits.rate() != null) {
            budget = Math.min(budget, limits.rate().starts() - queueStarts);
        }
        if (budget <= 0) {
            return new ArrayList<>();
        }
        List<JobEntity> rows;
        if (!limits.partitioned()) {
            rows = sql.claim(em, workerId, node, (int) budget, now);
        } else if (sql.paused(em)) {
            return new ArrayList<>();
        } else {
            Room room = new Room(limits, runningByKey, startsByKey);
            List<String> ids = limits.fair() ? fairCandidates(em, room, (int) budget, now)
                    : candidates(em, room, (int) budget, now);
            rows = take(em, ids, workerId, node, now);
            runningCapReached = room.runningLimitReached();
        }
        runningCapReached |= limits.maxRunning() > 0 && running + rows.size() >= limits.maxRunning();
        if (!rows.isEmpty()) {
            countStarts(em, limits, rows, queuePeriod, keyPeriod);
        }
        return rows;
    }

    /** Whether the last claim on this node left the queue, or a key, running as many jobs as its cap allows. */
    boolean runningCapReached() {
        return runningCapReached;
    }

    /** Locks the queue's row until the transaction ends: how many rows the update found (0 or 1). */
    private int lockQueue(EntityManager em) {
        return em.createNativeQuery("UPDATE apiary_queue_limits SET starts = starts WHERE queue = ?1 "
                + "AND partition_key = ?2").setParameter(1, queue).setParameter(2, QUEUE_ROW).executeUpdate();
    }

    private static long period(QueueLimits.Rate rate, long millis) {
        return Math.floorDiv(millis, rate.per().toMillis());
    }

    /** By priority and run-at, leaving out keys at their limit; a round's page may fill keys, the next skips them. */
    private List<String> candidates(EntityManager em, Room room, int budget, LocalDateTime now) {
        List<String> chosen = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int round = 0; round < ROUNDS && chosen.size() < budget; round++) {
            int need = budget - chosen.size();
            Set<String> full = room.full();
            StringBuilder q = new StringBuilder("SELECT j.id, j.partitionKey FROM ApiaryJob j WHERE j.queue = :queue "
                    + "AND j.status = :pending AND j.runAt <= :now");
            if (!full.isEmpty()) {
                q.append(" AND (j.partitionKey IS NULL OR j.partitionKey NOT IN :full)");
            }
            if (!seen.isEmpty()) {
                q.append(" AND j.id NOT IN :seen");
            }
            var query = em.createQuery(q.append(" ORDER BY j.priority DESC, j.runAt, j.id").toString(),
                            Object[].class)
                    .setParameter("queue", queue).setParameter("pending", JobStatus.PENDING)
                    .setParameter("now", now).setMaxResults(need + full.size());
            if (!full.isEmpty()) {
                query.setParameter("full", full);
            }
            if (!seen.isEmpty()) {
                query.setParameter("seen", seen);
            }
            List<Object[]> page = query.getResultList();
            for (Object[] row : page) {
                String id = (String) row[0];
                seen.add(id);
                if (chosen.size() < budget && room.take((String) row[1])) {
                    chosen.add(id);
                }
            }
            if (page.size() < need + full.size()) {
                break;
            }
        }
        return chosen;
    }

    /** One job per key with room in turn, starting after the key this node served last, until the budget is met. */
    private List<String> fairCandidates(EntityManager em, Room room, int budget, LocalDateTime now) {
        List<String> keys = new ArrayList<>(em.createQuery("SELECT DISTINCT j.partitionKey FROM ApiaryJob j "
                        + "WHERE j.queue = :queue AND j.status = :pending AND j.runAt <= :now", String.class)
                .setParameter("queue", queue).setParameter("pending", JobStatus.PENDING).setParameter("now", now)
                .getResultList());
        keys.sort(KEY_ORDER);
        String last = lastServed;
        int start = 0;
        while (last != null && start < keys.size() && KEY_ORDER.compare(keys.get(start), last) <= 0) {
            start++;
        }
        List<String> order = new ArrayList<>(keys.subList(start, keys.size()));
        order.addAll(keys.subList(0, start));
        Map<String, Integer> offsets = new HashMap<>();
        Set<String> exhausted = new HashSet<>();
        List<String> chosen = new ArrayList<>();
        boolean progressed = true;
        while (chosen.size() < budget && progressed) {
            progressed = false;
            for (String key : order) {
                if (chosen.size() >= budget) {
                    break;
                }
                if (exhausted.contains(key) || !room.has(key)) {
                    continue;
                }
                var next = em.createQuery("SELECT j.id FROM ApiaryJob j WHERE j.queue = :queue "
                                + "AND j.status = :pending AND j.runAt <= :now AND "
                                + (key == null ? "j.partitionKey IS NULL" : "j.partitionKey = :key")
                                + " ORDER BY j.priority DESC, j.runAt, j.id", String.class)
                        .setParameter("queue", queue).setParameter("pending", JobStatus.PENDING)
                        .setParameter("now", now).setFirstResult(offsets.getOrDefault(key, 0)).setMaxResults(1);
                if (key != null) {
                    next.setParameter("key", key);
                }
                List<String> found = next.getResultList();
                if (found.isEmpty()) {
                    exhausted.add(key);
                    continue;
                }
                offsets.merge(key, 1, Integer::sum);
                room.take(key);
                chosen.add(found.get(0));
                lastServed = key;
                progressed = true;
            }
        }
        return chosen;
    }

    /**
     * Marks the chosen jobs running for {@code workerId} (those still pending: an operator may have killed one since)
     * and reads back the rows this claim won, in claim order.
     */
    private List<JobEntity> take(EntityManager em, List<String> ids, String workerId, String node,
                                 LocalDateTime now) {
        if (ids.isEmpty()) {
            return new ArrayList<>();
        }
        List<JobEntity> rows = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += 1000) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 1000));
            em.createQuery("UPDATE ApiaryJob j SET j.status = :running, j.workerId = :worker, j.lockedAt = :now, "
                            + "j.attempts = j.attempts + 1, j.attemptNode = :node, j.attemptWorkerId = :worker "
                            + "WHERE j.id IN :ids AND j.status = :pending")
                    .setParameter("running", JobStatus.RUNNING).setParameter("worker", workerId)
                    .setParameter("node", node).setParameter("now", now).setParameter("ids", chunk)
                    .setParameter("pending", JobStatus.PENDING).executeUpdate();
            rows.addAll(em.createQuery("SELECT j FROM ApiaryJob j WHERE j.id IN :ids AND j.status = :running "
                            + "AND j.workerId = :worker AND j.lockedAt = :now", JobEntity.class)
                    .setParameter("ids", chunk).setParameter("running", JobStatus.RUNNING)
                    .setParameter("worker", workerId).setParameter("now", now)
                    .setHint(PortableSql.HIBERNATE_READ_ONLY, true).getResultList());
        }
        return rows;
    }

    /** Adds the claimed jobs to the counts of the current rate periods, of the queue and of each key. */
    private void countStarts(EntityManager em, QueueLimits limits, List<JobEntity> rows, long queuePeriod,
                             long keyPeriod) {
        if (limits.rate() != null) {
            count(em, QUEUE_ROW, queuePeriod, rows.size());
        }
        if (limits.ratePerKey() != null) {
            Map<String, Integer> byKey = new HashMap<>();
            for (JobEntity row : rows) {
                if (row.partitionKey != null) {
                    byKey.merge(row.partitionKey, 1, Integer::sum);
                }
            }
            byKey.forEach((key, n) -> count(em, key, keyPeriod, n));
        }
    }

    /**
     * Under the queue's lock, so the insert of a key's first row races with no other claim. A stored period later
     * than this node's is kept (its clock is behind another node's), so the count never goes back to an older one.
     */
    private void count(EntityManager em, String key, long period, int starts) {
        int updated = em.createNativeQuery("UPDATE apiary_queue_limits SET starts = CASE WHEN period_index >= ?3 "
                        + "THEN starts + ?4 ELSE ?4 END, period_index = CASE WHEN period_index >= ?3 "
                        + "THEN period_index ELSE ?3 END WHERE queue = ?1 AND partition_key = ?2")
                .setParameter(1, queue).setParameter(2, key).setParameter(3, period).setParameter(4, starts)
                .executeUpdate();
        if (updated == 0) {
            em.createNativeQuery("INSERT INTO apiary_queue_limits (queue, partition_key, period_index, starts) "
                            + "VALUES (?1, ?2, ?3, ?4)")
                    .setParameter(1, queue).setParameter(2, key).setParameter(3, period).setParameter(4, starts)
                    .executeUpdate();
        }
    }

    /** What the per-key limits leave to this claim: running and started jobs per key, plus what it took so far. */
    private static final class Room {
        private final QueueLimits limits;
        private final Map<String, Long> running;
        private final Map<String, Integer> started;
        private final Map<String, Integer> taken = new HashMap<>();

        Room(QueueLimits limits, Map<String, Long> running, Map<String, Integer> started) {
            this.limits = limits;
            this.running = running;
            this.started = started;
        }

        boolean has(String key) {
            if (key == null) {
                return true;
            }
            int now = taken.getOrDefault(key, 0);
            if (limits.maxRunningPerKey() > 0 && running.getOrDefault(key, 0L) + now >= limits.maxRunningPerKey()) {
                return false;
            }
            return limits.ratePerKey() == null || started.getOrDefault(key, 0) + now < limits.ratePerKey().starts();
        }

        boolean take(String key) {
            if (!has(key)) {
                return false;
            }
            if (key != null) {
                taken.merge(key, 1, Integer::sum);
            }
            return true;
        }

        /** Whether a key runs as many jobs as its limit allows, so that claims pass it over. */
        boolean runningLimitReached() {
            if (limits.maxRunningPerKey() <= 0) {
                return false;
            }
            Set<String> keys = new HashSet<>(running.keySet());
            keys.addAll(taken.keySet());
            for (String key : keys) {
                if (running.getOrDefault(key, 0L) + taken.getOrDefault(key, 0) >= limits.maxRunningPerKey()) {
                    return true;
                }
            }
            return false;
        }

        /** The keys known to have no room left. */
        Set<String> full() {
            Set<String> full = new HashSet<>();
            for (Set<String> keys : List.of(running.keySet(), started.keySet(), taken.keySet())) {
                for (String key : keys) {
                    if (!has(key)) {
                        full.add(key);
                    }
                }
            }
            return full;
        }
    }
}
