package dev.apiary.jpa;

import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * LISTEN/NOTIFY on PostgreSQL: a push on one node wakes the idle workers of another at its commit. The nodes are two
 * storages on two entity manager factories (Hibernate and EclipseLink), so no in-process wake-up can help.
 */
class PostgresNotificationTest {

    private final String queue = "notify-" + System.nanoTime();
    private JpaJobStorage<ContractPayload> pusher;
    private JpaJobStorage<ContractPayload> listener;
    private final Semaphore woken = new Semaphore(0);

    @BeforeEach
    void twoNodes() throws InterruptedException {
        pusher = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL))
                .queue(queue, ContractPayload.class).build();
        listener = JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK, Db.POSTGRESQL))
                .queue(queue, ContractPayload.class).notifications(TestDatabases.postgresDataSource()).build();
        listener.onAvailable(woken::release);
        // LISTEN runs on the listener's own thread; a push before it would go unheard
        Thread.sleep(500);
    }

    @AfterEach
    void stop() {
        listener.close();
    }

    @Test
    void aCommittedPushOnAnotherNodeWakesIdleWorkers() throws InterruptedException {
        pusher.push(new ContractPayload("hello", 1));

        assertThat(woken.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRolledBackPushOnAnotherNodeWakesNoOne() throws InterruptedException {
        EntityManagerFactory emf = TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL);
        EntityManager em = emf.createEntityManager();
        em.getTransaction().begin();
        try (JoinedTransaction joined = JpaJobStorage.joining(em)) {
            pusher.push(new ContractPayload("never", 1));
            em.getTransaction().rollback();
        }
        em.close();

        assertThat(woken.tryAcquire(1, TimeUnit.SECONDS)).isFalse();
        pusher.push(new ContractPayload("now", 2));
        assertThat(woken.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void manyPushesInOneTransactionOnAnotherNodeWakeIdleWorkersOnceAtTheCommit() throws InterruptedException {
        // EclipseLink this time: the NOTIFY travels inside the insert statement with either provider
        EntityManagerFactory emf = TestDatabases.emf(Provider.ECLIPSELINK, Db.POSTGRESQL);
        JpaJobStorage<ContractPayload> eclipseLinkPusher = JpaJobStorage.builder(emf)
                .queue(queue, ContractPayload.class).build();
        EntityManager em = emf.createEntityManager();
        em.getTransaction().begin();
        try (JoinedTransaction joined = JpaJobStorage.joining(em)) {
            eclipseLinkPusher.push(new ContractPayload("one", 1));
            eclipseLinkPusher.push(new ContractPayload("two", 2));
            eclipseLinkPusher.pushAll(List.of(new ContractPayload("three", 3), new ContractPayload("four", 4)),
                    dev.apiary.JobOptions.defaults());
            assertThat(woken.tryAcquire(500, TimeUnit.MILLISECONDS)).isFalse();
            em.getTransaction().commit();
        }
        em.close();

        assertThat(woken.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        assertThat(woken.tryAcquire(1, TimeUnit.SECONDS)).isFalse();
        assertThat(listener.counts().get(dev.apiary.JobStatus.PENDING)).isEqualTo(4);
    }

    @Test
    void aPushToAnotherQueueWakesNoOne() throws InterruptedException {
        JpaJobStorage<ContractPayload> elsewhere = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE,
                Db.POSTGRESQL)).queue(queue + "-other", ContractPayload.class).build();

        elsewhere.push(new ContractPayload("not for us", 1));

        assertThat(woken.tryAcquire(1, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void aNotificationSourceThatIsNotPostgresStopsItsListenerAndLeavesPolling() throws Exception {
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL(TestDatabases.url(Db.H2));
        h2.setUser("sa");
        String otherQueue = queue + "-h2";
        JpaJobStorage<ContractPayload> misconfigured = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE,
                Db.POSTGRESQL)).queue(otherQueue, ContractPayload.class).dialect(SqlDialect.POSTGRESQL)
                .notifications(h2).build();

        try (AutoCloseable subscription = misconfigured.onAvailable(() -> { })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().equals(PgNotificationListener.threadName(h2))));
            assertThat(misconfigured.claim("w1", 1)).as("the storage still works").isEmpty();
        }
    }

    @Test
    void storagesOfSeveralQueuesShareOneListeningConnectionThatEndsWithTheLast() throws Exception {
        DataSource shared = TestDatabases.postgresDataSource();
        List<JpaJobStorage<ContractPayload>> storages = new ArrayList<>();
        List<Semaphore> wakeups = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK,
                    Db.POSTGRESQL)).queue(queue + "-shared-" + i, ContractPayload.class).notifications(shared).build();
            Semaphore woken = new Semaphore(0);
            storage.onAvailable(woken::release);
            storages.add(storage);
            wakeups.add(woken);
        }
        Thread.sleep(500);

        pusher.push(new ContractPayload("not for them", 1));
        JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL)).queue(queue + "-shared-1",
                ContractPayload.class).build().push(new ContractPayload("for the second", 2));

        assertThat(wakeups.get(1).tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        assertThat(wakeups.get(0).tryAcquire(500, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(wakeups.get(2).availablePermits()).isZero();
        assertThat(listeningThreads(shared)).isEqualTo(1);

        storages.get(0).close();
        storages.get(1).close();
        assertThat(listeningThreads(shared)).as("one storage still listens").isEqualTo(1);
        storages.get(2).close();
        await().atMost(Duration.ofSeconds(5)).until(() -> listeningThreads(shared) == 0);
    }

    private static long listeningThreads(DataSource dataSource) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(PgNotificationListener.threadName(dataSource))).count();
    }
}
