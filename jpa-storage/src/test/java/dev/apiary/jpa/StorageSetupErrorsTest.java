package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import dev.apiary.JobStatus;
import dev.apiary.PayloadTooLargeException;
import dev.apiary.StorageException;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The common set-up mistakes end in a message that says what to do, not in a raw JPA or database error. */
class StorageSetupErrorsTest {

    @Test
    void aPersistenceUnitWithoutApiarysEntitiesIsNamedWithTheLinesToAdd() {
        EntityManagerFactory emf = Persistence.createEntityManagerFactory("no-apiary-entities",
                h2(freshH2()));
        try {
            assertThatThrownBy(() -> JpaJobStorage.builder(emf).queue("mail", String.class).dialect(SqlDialect.H2)
                    .build())
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessage("The persistence unit of the job storage of queue 'mail' does not manage Apiary's"
                            + " entities [dev.apiary.jpa.JobEntity, dev.apiary.jpa.WorkerEntity]: list them in its"
                            + " persistence.xml (<class>dev.apiary.jpa.JobEntity</class>"
                            + " <class>dev.apiary.jpa.WorkerEntity</class>), or drop the storage producer and let"
                            + " Apiary's default storage use its own persistence unit 'apiary'");
        } finally {
            emf.close();
        }
    }

    @Test
    void missingTablesSayHowToCreateThem() throws Exception {
        String url = freshH2();
        EntityManagerFactory emf = Persistence.createEntityManagerFactory("apiary-hibernate", h2(url));
        try {
            JpaJobStorage<String> storage = JpaJobStorage.builder(emf).queue("mail", String.class)
                    .dialect(SqlDialect.H2).build();
            assertThatThrownBy(() -> storage.push("hello"))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("Job storage of queue 'mail' could not push a job")
                    .hasMessageContaining("Apiary's tables [apiary_jobs, apiary_workers, apiary_paused_queues,"
                            + " apiary_queue_limits] do not exist")
                    .hasMessageContaining("META-INF/apiary/schema-postgresql.sql or schema-h2.sql")
                    .hasMessageContaining("JobSchema.create(connection)")
                    .hasMessageContaining("apiary.storage.create-schema=true");
        } finally {
            emf.close();
        }
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            assertThatThrownBy(() -> JobSchema.requireTables(c))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageStartingWith("Apiary's tables [apiary_jobs, apiary_workers, apiary_paused_queues,"
                            + " apiary_queue_limits] do not exist in the H2 database. Create them with the script"
                            + " shipped in apiary-jpa-storage")
                    .hasMessageContaining("classpath:db/apiary/postgresql").hasMessageContaining("db/apiary/changelog.xml");
        }
    }

    @Test
    void jobSchemaCreateIsIdempotentAndCommitsItsOwnWork() throws Exception {
        String url = freshH2();
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            c.setAutoCommit(false);
            JobSchema.create(c);
            JobSchema.create(c);
            assertThat(c.getAutoCommit()).as("the caller's auto-commit mode is restored").isFalse();
            c.rollback();
        }
        try (Connection other = DriverManager.getConnection(url, "sa", "")) {
            JobSchema.requireTables(other);
            try (ResultSet rs = other.createStatement().executeQuery("SELECT COUNT(*) FROM apiary_jobs")) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    @Test
    void jobSchemaCreateRunsAgainOnPostgresqlWithoutError() throws Exception {
        TestDatabases.url(TestDatabases.Db.POSTGRESQL);   // created once already
        try (Connection c = TestDatabases.postgresDataSource().getConnection()) {
            JobSchema.create(c);
            JobSchema.requireTables(c);
        }
    }

    @Test
    void aPayloadLongerThanTheQueuesLimitFailsAtPushWithItsLengthAndTheLimit() {
        EntityManagerFactory emf = TestDatabases.emf(TestDatabases.Provider.HIBERNATE, TestDatabases.Db.H2);
        String queue = "big-" + UUID.randomUUID();
        JpaJobStorage<String> storage = JpaJobStorage.builder(emf).queue(queue, String.class)
                .maxPayloadLength(100).build();

        assertThatThrownBy(() -> storage.push("x".repeat(200)))
                .isInstanceOf(PayloadTooLargeException.class)
                .hasMessageStartingWith("The payload of a job for queue '" + queue + "' is 202 characters of JSON,"
                        + " more than the queue's limit of 100; nothing was stored")
                .hasMessageContaining("JpaJobStorage.Builder.maxPayloadLength(..)")
                .hasMessageContaining("apiary.queues." + queue + ".max-payload-length");
        assertThatThrownBy(() -> storage.pushAll(java.util.List.of("ok", "y".repeat(101)),
                dev.apiary.JobOptions.defaults())).isInstanceOf(PayloadTooLargeException.class);
        assertThat(storage.counts().get(JobStatus.PENDING)).as("nothing stored").isZero();
        assertThat(storage.push("x".repeat(98))).as("a payload at the limit fits").isNotBlank();
    }

    @Test
    void aScheduleFireWhosePayloadIsTooLongFailsAsAPushDoesAndLeavesTheFireDue() {
        EntityManagerFactory emf = TestDatabases.emf(TestDatabases.Provider.HIBERNATE, TestDatabases.Db.H2);
        String queue = "big-fire-" + UUID.randomUUID();
        JpaJobStorage<String> storage = JpaJobStorage.builder(emf).queue(queue, String.class)
                .maxPayloadLength(100).build();
        dev.apiary.spi.ScheduleStore<String> store = storage.scheduleStore().orElseThrow();
        String name = "report-" + UUID.randomUUID();
        java.time.Instant last = store.register(name).lastFire();
        java.time.Instant fire = last.plusSeconds(1);

        assertThatThrownBy(() -> store.fire(name, last, fire, java.util.List.of(new dev.apiary.spi.ScheduleStore.Push<>(
                "x".repeat(200), dev.apiary.JobOptions.defaults().withUniqueKey("schedule:" + name + "@" + fire)))))
                .isInstanceOf(PayloadTooLargeException.class)
                .hasMessageContaining("202 characters of JSON");
        assertThat(storage.counts().get(JobStatus.PENDING)).as("nothing stored").isZero();
        assertThat(store.state(name)).as("the fire stays due").hasValueSatisfying(
                s -> assertThat(s.lastFire()).isEqualTo(last));
    }

    @Test
    void aDataSourceLookupThatFoundNothingIsNamedInsteadOfANullPointer() {
        EntityManagerFactory emf = TestDatabases.emf(TestDatabases.Provider.HIBERNATE, TestDatabases.Db.H2);
        javax.sql.DataSource injectedNothing = null;   // @Resource(lookup = "java:comp/DefaultDataSource") on Liberty
        assertThatThrownBy(() -> JpaJobStorage.builder(emf).queue("mail", String.class).jta()
                .notifications(injectedNothing))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("notifications(dataSource) of the job storage of queue 'mail' got no"
                        + " DataSource: the lookup or @Resource injection that should have given it found nothing."
                        + " Open Liberty binds java:comp/DefaultDataSource only when server.xml defines"
                        + " <dataSource id=\"DefaultDataSource\" ...>");
    }

    @Test
    void theDefaultStorageSaysWhatToDoWhenTheServerHasNoDefaultDataSource() {
        DefaultJpaStorageFactory factory = new DefaultJpaStorageFactory();
        assertThatThrownBy(() -> factory.create("mail", String.class, key -> java.util.Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Apiary's default storage for queue 'mail' needs the container-managed"
                        + " persistence unit 'apiary', but it was not injected and"
                        + " java:comp/env/apiary/persistence-unit is not bound");

        factory.injected = TestDatabases.emf(TestDatabases.Provider.HIBERNATE, TestDatabases.Db.H2);
        assertThatThrownBy(() -> factory.create("mail", String.class, key -> java.util.Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Apiary's default storage for queue 'mail' uses the server's default data"
                        + " source, but the lookup of java:comp/DefaultDataSource failed")
                .hasMessageContaining("Open Liberty has none until server.xml defines"
                        + " <dataSource id=\"DefaultDataSource\" ...> (see the README)");
    }

    @Test
    void aConfiguredDataSourceThatCannotBeFoundIsNamedWithItsKey() {
        DefaultJpaStorageFactory factory = new DefaultJpaStorageFactory();
        Map<String, String> config = Map.of("apiary.storage.data-source", "java:app/jdbc/orders",
                "apiary.queues.audit.data-source", "java:app/jdbc/audit");

        assertThatThrownBy(() -> factory.create("mail", String.class, key -> java.util.Optional.ofNullable(
                config.get(key))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Apiary's default storage for queue 'mail' uses the data source"
                        + " java:app/jdbc/orders named by apiary.storage.data-source, but its lookup failed")
                .hasMessageContaining("remove the key to use the default data source java:comp/DefaultDataSource");
        assertThatThrownBy(() -> factory.create("audit", String.class, key -> java.util.Optional.ofNullable(
                config.get(key))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Apiary's default storage for queue 'audit' uses the data source"
                        + " java:app/jdbc/audit named by apiary.queues.audit.data-source");
    }

    @Test
    void aTimeoutThatIsNoDurationIsNamedWithItsKeyBeforeAnythingIsLookedUp() {
        DefaultJpaStorageFactory factory = new DefaultJpaStorageFactory();
        Map<String, String> config = Map.of("apiary.storage.statement-timeout", "ten seconds",
                "apiary.storage.lock-timeout", "-5s");

        assertThatThrownBy(() -> factory.create("mail", String.class, key -> java.util.Optional.ofNullable(
                config.get(key))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Invalid value 'ten seconds' for apiary.storage.statement-timeout: expected a duration"
                        + " such as 500ms, 10s, 1m or PT10S, or 0 for no limit");
        assertThatThrownBy(() -> factory.create("mail", String.class, key -> java.util.Optional.ofNullable(
                key.equals("apiary.storage.lock-timeout") ? config.get(key) : null)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Invalid value '-5s' for apiary.storage.lock-timeout");
    }

    private static String freshH2() {
        return "jdbc:h2:mem:setup-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    private static Map<String, String> h2(String url) {
        return Map.of("jakarta.persistence.jdbc.url", url, "jakarta.persistence.jdbc.user", "sa",
                "jakarta.persistence.jdbc.password", "");
    }
}
