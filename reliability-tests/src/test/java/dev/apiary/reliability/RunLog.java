package dev.apiary.reliability;

import dev.apiary.JobContext;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the handlers of a worker node write for every run: one row in {@code runs} per job (its primary key is the
 * job id), and a row in {@code duplicates} whenever a job runs again after that. The test counts both. Plain JDBC
 * on connections of its own, so the record does not depend on the storage under test. On a node started with
 * {@code -Dnode.record-ends=true} the end of a run goes to {@code ends} too (where the database lets it), so that a
 * test can tell a run that started while another run of the same job was still alive. A run that is interrupted
 * goes to {@code interrupts}, with whether its job showed as cancelled.
 */
final class RunLog {

    /** The tables, created by the test before any node starts. */
    static final String SCHEMA = """
            CREATE TABLE runs (
                job_id     VARCHAR(36) PRIMARY KEY,
                node       VARCHAR(50) NOT NULL,
                worker_id  VARCHAR(200) NOT NULL,
                attempt    INTEGER NOT NULL,
                started_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE duplicates (
                seq        SERIAL PRIMARY KEY,
                job_id     VARCHAR(36) NOT NULL,
                node       VARCHAR(50) NOT NULL,
                worker_id  VARCHAR(200) NOT NULL,
                attempt    INTEGER NOT NULL,
                started_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE ends (
                seq        SERIAL PRIMARY KEY,
                job_id     VARCHAR(36) NOT NULL,
                worker_id  VARCHAR(200) NOT NULL,
                attempt    INTEGER NOT NULL,
                ended_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE interrupts (
                seq         SERIAL PRIMARY KEY,
                job_id      VARCHAR(36) NOT NULL,
                node        VARCHAR(50) NOT NULL,
                cancelled   BOOLEAN NOT NULL,
                interrupted_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())
            """;

    private static final String UNIQUE_VIOLATION = "23505";
    static final String RECORD_ENDS = "node.record-ends";
    private static final boolean ENDS = Boolean.getBoolean(RECORD_ENDS);

    private final PGSimpleDataSource dataSource;
    private final String node;
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();

    RunLog(String jdbcUrl, String node) {
        this.dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        dataSource.setConnectTimeout(2);
        this.node = node;
    }

    /** Records that this node starts a run of {@code job}; throws when the database cannot be reached. */
    void record(JobContext job) throws SQLException {
        Connection c = idle.poll();
        if (c == null) {
            c = dataSource.getConnection();
        }
        try {
            try {
                insert(c, "runs", job);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                insert(c, "duplicates", job);
            }
        } catch (SQLException e) {
            // a broken connection (the database went away) is not given back
            closeQuietly(c);
            throw e;
        }
        idle.add(c);
    }

    /** Records that this node's run of {@code job} ended, if asked to; when the database cannot be reached, nothing. */
    void ended(JobContext job) {
        if (!ENDS) {
            return;
        }
        Connection c = idle.poll();
        try {
            if (c == null) {
                c = dataSource.getConnection();
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO ends (job_id, worker_id, attempt) VALUES (?, ?, ?)")) {
                insert.setString(1, job.id());
                insert.setString(2, job.workerId());
                insert.setInt(3, job.attempt());
                insert.executeUpdate();
            }
            idle.add(c);
        } catch (SQLException e) {
            // best effort: the run itself must not fail for its record
            if (c != null) {
                closeQuietly(c);
            }
        }
    }

    /**
     * Records that this node's run of {@code job} was interrupted, and whether the job showed as cancelled to its
     * handler; when the database cannot be reached, nothing.
     */
    void interrupted(JobContext job, boolean cancelled) {
        Connection c = idle.poll();
        try {
            if (c == null) {
                c = dataSource.getConnection();
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO interrupts (job_id, node, cancelled) VALUES (?, ?, ?)")) {
                insert.setString(1, job.id());
                insert.setString(2, node);
                insert.setBoolean(3, cancelled);
                insert.executeUpdate();
            }
            idle.add(c);
        } catch (SQLException e) {
            // best effort: the run itself must not fail for its record
            if (c != null) {
                closeQuietly(c);
            }
        }
    }

    private void insert(Connection c, String table, JobContext job) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + table
                + " (job_id, node, worker_id, attempt) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, job.id());
            insert.setString(2, node);
            insert.setString(3, job.workerId());
            insert.setInt(4, job.attempt());
            insert.executeUpdate();
        }
    }

    void close() {
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // already broken
        }
    }
}
