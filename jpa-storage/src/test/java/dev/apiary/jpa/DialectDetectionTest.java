package dev.apiary.jpa;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the provider gives no JDBC connection (EclipseLink in a container's JTA transaction), the database is asked
 * for its version, so PostgreSQL still gets its statements; the reasons of a fallback name what was tried.
 */
class DialectDetectionTest {

    @Test
    void eclipseLinkOnPostgresqlIsRecognisedByTheDatabasesOwnAnswer() {
        List<String> reasons = new ArrayList<>();
        assertThat(probe(TestDatabases.emf(TestDatabases.Provider.ECLIPSELINK, TestDatabases.Db.POSTGRESQL), reasons))
                .isEqualTo(SqlDialect.POSTGRESQL);
        assertThat(reasons).isEmpty();
    }

    @Test
    void aFallbackSaysWhatWasTriedNotThatHibernateIsMissing() {
        List<String> reasons = new ArrayList<>();
        EntityManagerFactory emf = TestDatabases.emf(TestDatabases.Provider.ECLIPSELINK, TestDatabases.Db.H2);
        assertThat(probe(emf, reasons)).isNull();
        assertThat(reasons).singleElement().asString().startsWith("SELECT version() failed: ");

        EntityManager em = emf.createEntityManager();
        try {
            reasons.clear();
            // outside a transaction EclipseLink gives no connection, as in a container's JTA transaction
            assertThat(DialectDetection.fromProvider(em, reasons)).isNull();
            assertThat(reasons).containsExactly("unwrap(Connection.class) gave no connection",
                    "the provider (" + em.getDelegate().getClass().getName() + ") is not Hibernate");
        } finally {
            em.close();
        }
    }

    @Test
    void aStorageLogsWhichSqlItUsesAndHowItKnows() {
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(JpaJobStorage.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            String queue = "dialect-log-" + java.util.UUID.randomUUID();
            JpaJobStorage.builder(TestDatabases.emf(TestDatabases.Provider.ECLIPSELINK, TestDatabases.Db.POSTGRESQL))
                    .queue(queue, String.class).build();
            JpaJobStorage.builder(TestDatabases.emf(TestDatabases.Provider.HIBERNATE, TestDatabases.Db.H2))
                    .queue(queue + "-h2", String.class).dialect(SqlDialect.H2).build();

            assertThat(logged).contains("Job storage of queue '" + queue + "' uses POSTGRESQL SQL (detected)",
                    "Job storage of queue '" + queue + "-h2' uses H2 SQL (as set on the builder)");
        } finally {
            logger.removeHandler(handler);
        }
    }

    private static SqlDialect probe(EntityManagerFactory emf, List<String> reasons) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            try {
                return DialectDetection.fromVersionQuery(em, reasons);
            } finally {
                em.getTransaction().rollback();
            }
        } finally {
            em.close();
        }
    }
}
