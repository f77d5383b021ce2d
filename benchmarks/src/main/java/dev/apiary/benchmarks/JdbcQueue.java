package dev.apiary.benchmarks;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The baseline of the database work: a hand-written JDBC queue on the same table, with no framework around it.
 * On PostgreSQL a batch is claimed with one {@code FOR UPDATE SKIP LOCKED} statement and marked done with one
 * statement; on H2 the claim locks the rows with {@code FOR UPDATE} and updates them in the same transaction.
 */
final class JdbcQueue {

    private static final String INSERT = "INSERT INTO apiary_jobs (id, queue, payload, payload_type, status, attempts, "
            + "max_attempts, run_at, priority, enqueued_at) VALUES (?, ?, ?, ?, 'PENDING', 0, 3, ?, 0, ?)";

    private final BenchDatabases databases;
    private final BenchDatabases.Db db;

    JdbcQueue(BenchDatabases databases, BenchDatabases.Db db) {
        this.databases = databases;
        this.db = db;
    }

    /**
     * Jobs per second, one job per transaction: the INSERT and, on PostgreSQL, the same {@code pg_notify} that
     * Apiary sends so that idle workers on every node wake up.
     */
    double enqueueOneByOne(String queue, int n) throws SQLException {
        boolean pg = db == BenchDatabases.Db.POSTGRESQL;
        try (Connection c = databases.connect(db); PreparedStatement insert = c.prepareStatement(INSERT);
             PreparedStatement notify = c.prepareStatement(pg ? "SELECT 1 FROM pg_notify('apiary_jobs', ?)"
                     : "SELECT 1")) {
            c.setAutoCommit(!pg);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                bind(insert, queue, i);
                insert.executeUpdate();
                if (pg) {
                    notify.setString(1, queue);
                    notify.executeQuery().close();
                    c.commit();
                }
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Jobs per second, JDBC batches of {@code batch} rows, one transaction per batch. */
    double enqueueBatched(String queue, int n, int batch) throws SQLException {
        try (Connection c = databases.connect(db); PreparedStatement insert = c.prepareStatement(INSERT)) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                bind(insert, queue, i);
                insert.addBatch();
                if ((i + 1) % batch == 0 || i == n - 1) {
                    insert.executeBatch();
                    c.commit();
                }
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void bind(PreparedStatement insert, String queue, int i) throws SQLException {
        Timestamp now = Timestamp.valueOf(LocalDateTime.now(ZoneOffset.UTC));
        insert.setString(1, UUID.randomUUID().toString());
        insert.setString(2, queue);
        insert.setString(3, "{\"n\":" + i + ",\"pushedAt\":0}");
        insert.setString(4, Noop.class.getName());
        insert.setTimestamp(5, now);
        insert.setTimestamp(6, now);
    }

    /** Jobs per second: {@code threads} threads, each on its own connection, claim batches and mark them done. */
    double drain(String queue, int n, int threads, int batch) throws Exception {
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch finished = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String worker = "jdbc-" + t;
            workers.add(new Thread(() -> {
                try (Connection c = databases.connect(db)) {
                    c.setAutoCommit(false);
                    while (done.get() < n) {
                        List<String> ids = claim(c, queue, worker, batch);
                        if (ids.isEmpty()) {
                            Thread.onSpinWait();
                            continue;
                        }
                        markDone(c, ids);
                        done.addAndGet(ids.size());
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                } finally {
                    finished.countDown();
                }
            }));
        }
        long start = System.nanoTime();
        workers.forEach(Thread::start);
        finished.await();
        if (failure.get() != null) {
            throw failure.get();
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private List<String> claim(Connection c, String queue, String worker, int batch) throws SQLException {
        List<String> ids = new ArrayList<>(batch);
        if (db == BenchDatabases.Db.POSTGRESQL) {
            try (PreparedStatement claim = c.prepareStatement("WITH picked AS (SELECT id FROM apiary_jobs "
                    + "WHERE queue = ? AND status = 'PENDING' AND run_at <= now() AT TIME ZONE 'UTC' "
                    + "ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
                    + "UPDATE apiary_jobs j SET status = 'RUNNING', worker_id = ?, attempts = j.attempts + 1, "
                    + "locked_at = now() AT TIME ZONE 'UTC' FROM picked WHERE j.id = picked.id RETURNING j.id")) {
                claim.setString(1, queue);
                claim.setInt(2, batch);
                claim.setString(3, worker);
                try (ResultSet rs = claim.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
        } else {
            try (PreparedStatement select = c.prepareStatement("SELECT id FROM apiary_jobs WHERE queue = ? "
                    + "AND status = 'PENDING' ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE")) {
                select.setString(1, queue);
                select.setInt(2, batch);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            if (!ids.isEmpty()) {
                try (PreparedStatement update = c.prepareStatement("UPDATE apiary_jobs SET status = 'RUNNING', "
                        + "worker_id = ?, attempts = attempts + 1 WHERE id = ?")) {
                    for (String id : ids) {
                        update.setString(1, worker);
                        update.setString(2, id);
                        update.addBatch();
                    }
                    update.executeBatch();
                }
            }
        }
        c.commit();
        return ids;
    }

    private void markDone(Connection c, List<String> ids) throws SQLException {
        if (db == BenchDatabases.Db.POSTGRESQL) {
            try (PreparedStatement done = c.prepareStatement("UPDATE apiary_jobs SET status = 'DONE', "
                    + "worker_id = NULL, locked_at = NULL, finished_at = now() AT TIME ZONE 'UTC' "
                    + "WHERE id = ANY (?)")) {
                Array array = c.createArrayOf("varchar", ids.toArray());
                done.setArray(1, array);
                done.executeUpdate();
            }
        } else {
            try (PreparedStatement done = c.prepareStatement("UPDATE apiary_jobs SET status = 'DONE', "
                    + "worker_id = NULL, finished_at = CURRENT_TIMESTAMP WHERE id = ?")) {
                for (String id : ids) {
                    done.setString(1, id);
                    done.addBatch();
                }
                done.executeBatch();
            }
        }
        c.commit();
    }
}
