package dev.apiary.jpa;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real databases for the tests, one of each per JVM: an in-memory H2 and an embedded PostgreSQL, both created from
 * the schema scripts this module ships. Entity manager factories are cached per provider and database; tests use
 * queues of their own, so they can share them.
 */
final class TestDatabases {

    enum Db { H2, POSTGRESQL }

    enum Provider {
        HIBERNATE("apiary-hibernate"), ECLIPSELINK("apiary-eclipselink");

        final String unit;

        Provider(String unit) {
            this.unit = unit;
        }
    }

    private static final String H2_URL = "jdbc:h2:mem:apiary;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
    private static final Map<String, EntityManagerFactory> FACTORIES = new ConcurrentHashMap<>();
    private static EmbeddedPostgres postgres;
    private static boolean h2Created;

    private TestDatabases() {
    }

    static synchronized EntityManagerFactory emf(Provider provider, Db db) {
        return FACTORIES.computeIfAbsent(provider + "-" + db, k -> Persistence.createEntityManagerFactory(
                provider.unit, Map.of("jakarta.persistence.jdbc.url", url(db),
                        "jakarta.persistence.jdbc.user", db == Db.H2 ? "sa" : "postgres",
                        "jakarta.persistence.jdbc.password", "")));
    }

    /** A second, independent factory (its own connection pool), as another node would have. */
    static EntityManagerFactory newEmf(Provider provider, Db db) {
        return Persistence.createEntityManagerFactory(provider.unit, Map.of("jakarta.persistence.jdbc.url", url(db),
                "jakarta.persistence.jdbc.user", db == Db.H2 ? "sa" : "postgres",
                "jakarta.persistence.jdbc.password", ""));
    }

    static synchronized String url(Db db) {
        if (db == Db.H2) {
            if (!h2Created) {
                runScript(H2_URL, "sa", "schema-h2.sql");
                h2Created = true;
            }
            return H2_URL;
        }
        return postgres().getJdbcUrl("postgres", "postgres");
    }

    static synchronized DataSource postgresDataSource() {
        return postgres().getPostgresDatabase();
    }

    private static EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot start the embedded PostgreSQL", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException e) {
                    e.printStackTrace();
                }
            }));
            runScript(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "schema-postgresql.sql");
        }
        return postgres;
    }

    private static void runScript(String url, String user, String script) {
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            JobSchema.create(c);
        } catch (SQLException e) {
            throw new IllegalStateException("Schema script " + script + " failed on " + url, e);
        }
    }
}
