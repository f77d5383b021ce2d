package dev.apiary.benchmarks;

import dev.apiary.jpa.JobSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The databases the JPA benchmarks run on: an embedded PostgreSQL (real binaries from Maven Central) and an
 * in-memory H2, each created from the schema script the jpa-storage jar ships.
 */
final class BenchDatabases implements AutoCloseable {

    enum Db { POSTGRESQL, H2 }

    private EmbeddedPostgres postgres;
    private final String h2Url = "jdbc:h2:mem:bench" + System.nanoTime() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
    private boolean h2Created;
    /** PostgreSQL's {@code synchronous_commit} for new sessions: the server starts with {@code on}. */
    private boolean synchronousCommit = true;

    synchronized String url(Db db) {
        if (db == Db.H2) {
            if (!h2Created) {
                runScript(h2Url, "sa", "schema-h2.sql");
                h2Created = true;
            }
            return h2Url;
        }
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder()
                        // PostgreSQL's defaults, which the embedded server turns off (it starts with -F and
                        // synchronous_commit=off); each section then sets synchronous_commit for its sessions
                        .setServerConfig("fsync", "on")
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("max_connections", "200")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot start the embedded PostgreSQL", e);
            }
            runScript(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "schema-postgresql.sql");
        }
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    /**
     * Sets PostgreSQL's {@code synchronous_commit} for the sessions opened from now on (a section opens its own
     * connections): {@code on} is PostgreSQL's default (each commit waits for its WAL flush), {@code off} measures the
     * queue rather than the disk.
     */
    void synchronousCommit(boolean on) throws SQLException {
        synchronousCommit = on;
        try (Connection c = connect(Db.POSTGRESQL); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE postgres SET synchronous_commit = " + (on ? "on" : "off"));
        }
        try (Connection c = connect(Db.POSTGRESQL); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT current_setting('synchronous_commit'), current_setting('fsync')")) {
            rs.next();
            if (!rs.getString(1).equals(on ? "on" : "off") || !rs.getString(2).equals("on")) {
                throw new IllegalStateException("A new session has synchronous_commit=" + rs.getString(1)
                        + " and fsync=" + rs.getString(2));
            }
        }
    }

    /** The {@code synchronous_commit} new sessions get: {@code true} for PostgreSQL's default, {@code on}. */
    boolean synchronousCommit() {
        return synchronousCommit;
    }

    String user(Db db) {
        return db == Db.H2 ? "sa" : "postgres";
    }

    Connection connect(Db db) throws SQLException {
        return DriverManager.getConnection(url(db), user(db), "");
    }

    javax.sql.DataSource postgresDataSource() {
        url(Db.POSTGRESQL);
        return postgres.getPostgresDatabase();
    }

    EntityManagerFactory emf(Db db) {
        return Persistence.createEntityManagerFactory("apiary-bench", Map.of(
                "jakarta.persistence.jdbc.url", url(db),
                "jakarta.persistence.jdbc.user", user(db),
                "jakarta.persistence.jdbc.password", ""));
    }

    /** Empties the job tables between runs, so that every run starts from the same state. */
    void truncate(Db db) throws SQLException {
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            s.execute(db == Db.H2 ? "DELETE FROM apiary_jobs" : "TRUNCATE apiary_jobs");
            s.execute("DELETE FROM apiary_workers");
            if (db == Db.POSTGRESQL) {
                s.execute("VACUUM ANALYZE apiary_jobs");
            }
        }
    }

    private static void runScript(String url, String user, String script) {
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            JobSchema.create(c);
        } catch (SQLException e) {
            throw new IllegalStateException("Schema script " + script + " failed on " + url, e);
        }
    }

    @Override
    public void close() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }
}
