package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import dev.apiary.JobStatus;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A push joins the caller's resource-local transaction: it commits and rolls back with the caller's work. */
class TransactionalEnqueueTest {

    private static JpaJobStorage<ContractPayload> storage(EntityManagerFactory emf) {
        return JpaJobStorage.builder(emf).queue("tx-" + System.nanoTime(), ContractPayload.class).build();
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, H2", "HIBERNATE, POSTGRESQL", "ECLIPSELINK, H2", "ECLIPSELINK, POSTGRESQL"})
    void aPushInACommittedTransactionIsClaimableAndWakesWorkersAfterTheCommit(Provider provider, Db db) {
        EntityManagerFactory emf = TestDatabases.emf(provider, db);
        JpaJobStorage<ContractPayload> storage = storage(emf);
        AtomicInteger wakeups = new AtomicInteger();
        storage.onAvailable(wakeups::incrementAndGet);
        EntityManager em = emf.createEntityManager();

        em.getTransaction().begin();
        String id;
        try (JoinedTransaction joined = JpaJobStorage.joining(em)) {
            id = storage.push(new ContractPayload("in-tx", 1));
            storage.pushAll(List.of(new ContractPayload("batch", 2)), dev.apiary.JobOptions.defaults());
            assertThat(storage.counts()).as("invisible before the commit").containsEntry(JobStatus.PENDING, 0L);
            assertThat(wakeups).as("no wake-up before the commit").hasValue(0);
            em.getTransaction().commit();
        }
        em.close();

        assertThat(wakeups).hasValue(1);
        assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 2L);
        assertThat(storage.claim("w1", 10)).extracting(j -> j.id()).contains(id);
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, H2", "HIBERNATE, POSTGRESQL", "ECLIPSELINK, H2", "ECLIPSELINK, POSTGRESQL"})
    void aPushInARolledBackTransactionLeavesNoJob(Provider provider, Db db) {
        EntityManagerFactory emf = TestDatabases.emf(provider, db);
        JpaJobStorage<ContractPayload> storage = storage(emf);
        EntityManager em = emf.createEntityManager();

        em.getTransaction().begin();
        try (JoinedTransaction joined = JpaJobStorage.joining(em)) {
            storage.push(new ContractPayload("doomed", 1));
            storage.pushAll(List.of(new ContractPayload("doomed", 2), new ContractPayload("doomed", 3)),
                    dev.apiary.JobOptions.defaults());
            em.getTransaction().rollback();
        }
        em.close();

        assertThat(storage.counts().values()).allMatch(n -> n == 0L);
        assertThat(storage.claim("w1", 10)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, H2", "ECLIPSELINK, H2"})
    void aBatchPushLeavesTheCallersEntitiesManaged(Provider provider, Db db) {
        EntityManagerFactory emf = TestDatabases.emf(provider, db);
        JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(emf).queue("tx-" + System.nanoTime(),
                ContractPayload.class).dialect(SqlDialect.STANDARD).build();
        EntityManager em = emf.createEntityManager();
        em.getTransaction().begin();
        WorkerEntity callers = new WorkerEntity("caller-" + System.nanoTime(), "elsewhere", "host",
                java.time.LocalDateTime.now());
        em.persist(callers);

        try (JoinedTransaction joined = JpaJobStorage.joining(em)) {
            storage.pushAll(java.util.stream.IntStream.range(0, 250).mapToObj(n -> new ContractPayload("b", n))
                    .toList(), dev.apiary.JobOptions.defaults());
            assertThat(em.contains(callers)).isTrue();
            em.getTransaction().commit();
        }
        em.close();

        assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 250L);
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, H2"})
    void aPushOutsideAnyScopeCommitsOnItsOwn(Provider provider, Db db) {
        JpaJobStorage<ContractPayload> storage = storage(TestDatabases.emf(provider, db));

        String id = storage.push(new ContractPayload("alone", 1));

        assertThat(storage.find(id)).get().extracting(j -> j.status()).isEqualTo(JobStatus.PENDING);
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, H2"})
    void anEntityManagerOfAnotherFactoryIsRejectedWithAClearMessage(Provider provider, Db db) {
        JpaJobStorage<ContractPayload> storage = storage(TestDatabases.emf(provider, db));
        EntityManager other = TestDatabases.emf(Provider.ECLIPSELINK, db).createEntityManager();
        other.getTransaction().begin();

        try (JoinedTransaction joined = JpaJobStorage.joining(other)) {
            assertThatThrownBy(() -> storage.push(new ContractPayload("x", 1)))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("another EntityManagerFactory");
        } finally {
            other.getTransaction().rollback();
            other.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, H2"})
    void bindingNeedsAnActiveTransaction(Provider provider, Db db) {
        EntityManager em = TestDatabases.emf(provider, db).createEntityManager();

        assertThatThrownBy(() -> JpaJobStorage.joining(em)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Begin the EntityManager's transaction");
        em.close();
    }
}
