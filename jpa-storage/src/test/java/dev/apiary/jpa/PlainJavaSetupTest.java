package dev.apiary.jpa;

import dev.apiary.JobStatus;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plain-Java set-up of docs/getting-started.md: a pool handed to Hibernate or EclipseLink through the standard
 * {@code jakarta.persistence.nonJtaDataSource} property, the tables from {@code JobSchema.create}, a push and a claim.
 */
class PlainJavaSetupTest {

    @ParameterizedTest
    @EnumSource(TestDatabases.Provider.class)
    void aDataSourceHandedToTheProviderCarriesTheStorage(TestDatabases.Provider provider) throws Exception {
        JdbcDataSource pool = new JdbcDataSource();
        pool.setURL("jdbc:h2:mem:plain-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        pool.setUser("sa");
        try (Connection c = pool.getConnection()) {
            JobSchema.create(c);
        }
        EntityManagerFactory emf = Persistence.createEntityManagerFactory(provider.unit,
                Map.of("jakarta.persistence.nonJtaDataSource", pool));
        try {
            JpaJobStorage<String> storage = JpaJobStorage.builder(emf).queue("greetings", String.class).build();
            assertThat(storage.dialect()).isEqualTo(SqlDialect.H2);
            String id = storage.push("ada");
            assertThat(storage.claim("worker-1", 10)).singleElement()
                    .satisfies(job -> assertThat(job.payload()).isEqualTo("ada"));
            assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        } finally {
            emf.close();
        }
    }
}
