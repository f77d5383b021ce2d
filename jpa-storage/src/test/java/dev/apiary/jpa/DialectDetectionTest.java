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
            assertThat(SqlDialect.fromProvider(em, reasons)).isNull();
            assertThat(reasons).containsExactly("unwrap(Connection.class) gave no connection",
                    "the provider (" + em.getDelegate().getClass().getName() + ") is not Hibernate");
        } finally {
            em.close();
        }
    }

    private static SqlDialect probe(EntityManagerFactory emf, List<String> reasons) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            try {
                return SqlDialect.fromVersionQuery(em, reasons);
            } finally {
                em.getTransaction().rollback();
            }
        } finally {
            em.close();
        }
    }
}
