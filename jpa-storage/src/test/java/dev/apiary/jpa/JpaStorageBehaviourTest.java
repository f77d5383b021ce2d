package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import dev.apiary.impl.storage.RetentionCleaner;
import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What the JPA storage adds to the contract: detection, decoding failures, nodes sharing one database, retention. */
class JpaStorageBehaviourTest {

    private static String queue() {
        return "q-" + System.nanoTime();
    }

    @Test
    void buildingWithoutAQueueSaysWhatIsMissing() {
        var builder = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.H2));

        assertThatThrownBy(builder::build).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(".queue(name, payloadType)");
        assertThatThrownBy(() -> builder.queue(" ", ContractPayload.class))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("was ' '");
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, H2, H2", "HIBERNATE, POSTGRESQL, POSTGRESQL", "ECLIPSELINK, H2, H2",
            "ECLIPSELINK, POSTGRESQL, POSTGRESQL"})
    void theDialectIsDetectedFromTheDatabaseUnderEachProvider(Provider provider, Db db, SqlDialect expected) {
        JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(TestDatabases.emf(provider, db))
                .queue(queue(), ContractPayload.class).build();

        assertThat(storage.dialect()).isEqualTo(expected);
        assertThat(storage.isAvailable()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, POSTGRESQL", "ECLIPSELINK, H2"})
    void aJobWhosePayloadCannotBeDecodedIsKilledAtClaimWithTheReason(Provider provider, Db db) {
        EntityManagerFactory emf = TestDatabases.emf(provider, db);
        String queue = queue();
        // a JSON string, which JSON-B cannot bind to a record
        JpaJobStorage<String> writer = JpaJobStorage.builder(emf).queue(queue, String.class).build();
        JpaJobStorage<ContractPayload> reader = JpaJobStorage.builder(emf).queue(queue, ContractPayload.class).build();
        String bad = writer.push("just text");
        String good = reader.push(new ContractPayload("fine", 1));

        List<Job<ContractPayload>> claimed = reader.claim("w1", 10);

        assertThat(claimed).extracting(Job::id).containsExactly(good);
        StoredJob<ContractPayload> killed = reader.find(bad).orElseThrow();
        assertThat(killed.status()).isEqualTo(JobStatus.KILLED);
        assertThat(killed.payload()).isNull();
        assertThat(killed.rawPayload()).contains("just text");
        assertThat(killed.lastError()).contains("cannot be decoded").contains(ContractPayload.class.getName());
    }

    @ParameterizedTest
    @CsvSource({"HIBERNATE, POSTGRESQL", "ECLIPSELINK, POSTGRESQL", "HIBERNATE, H2", "ECLIPSELINK, H2"})
    void concurrentPushesOfOneUniqueKeyAddOneJobAndAllReturnItsId(Provider provider, Db db) throws Exception {
        JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(TestDatabases.emf(provider, db))
                .queue(queue(), ContractPayload.class).build();
        JobOptions unique = JobOptions.defaults().withUniqueKey("nightly-report").withMetadata("by", "test");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> pushes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int n = i;
                pushes.add(pool.submit(() -> {
                    start.await();
                    return storage.push(new ContractPayload("report", n), unique);
                }));
            }
            start.countDown();
            Set<String> ids = new HashSet<>();
            for (Future<String> push : pushes) {
                ids.add(push.get(30, TimeUnit.SECONDS));
            }

            assertThat(ids).hasSize(1);
            assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 1L);
            assertThat(storage.find(ids.iterator().next()).orElseThrow().metadata()).containsEntry("by", "test");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCrashedNodesJobsAreRecoveredByAnotherNodeAfterTheLease() throws InterruptedException {
        String queue = queue();
        EntityManagerFactory nodeB = TestDatabases.newEmf(Provider.ECLIPSELINK, Db.POSTGRESQL);
        try {
            JpaJobStorage<ContractPayload> a = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE,
                    Db.POSTGRESQL)).queue(queue, ContractPayload.class).build();
            JpaJobStorage<ContractPayload> b = JpaJobStorage.builder(nodeB).queue(queue, ContractPayload.class).build();
            a.pushAll(List.of(new ContractPayload("x", 1), new ContractPayload("y", 2)), JobOptions.defaults());
            a.heartbeat("node-a-w1");
            b.heartbeat("node-b-w1");
            List<Job<ContractPayload>> held = a.claim("node-a-w1", 10);
            assertThat(held).hasSize(2);

            // node A dies: no more heartbeats; node B keeps beating and sweeps
            Thread.sleep(300);
            b.heartbeat("node-b-w1");
            int recovered = b.reenqueueOrphans(Duration.ofMillis(200));
            List<Job<ContractPayload>> again = b.claim("node-b-w1", 10);
            a.settle(held.stream().map(j -> new Settlement(j.context(), Outcome.done())).toList());

            assertThat(recovered).isEqualTo(2);
            assertThat(again).extracting(j -> j.context().attempt()).containsOnly(2);
            assertThat(b.counts()).as("the dead node's late outcomes are ignored")
                    .containsEntry(JobStatus.RUNNING, 2L).containsEntry(JobStatus.DONE, 0L);
        } finally {
            nodeB.close();
        }
    }

    @Test
    void theRetentionCleanerRemovesFinishedJobsInTheBackground() {
        JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.H2))
                .queue(queue(), ContractPayload.class).build();
        String finished = storage.push(new ContractPayload("old", 1));
        String waiting = storage.push(new ContractPayload("later", 2), JobOptions.defaults()
                .withRunAt(Instant.now().plusSeconds(3600)));
        storage.settle(storage.claim("w1", 10).stream()
                .map(j -> new Settlement(j.context(), Outcome.done())).toList());
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

        try (RetentionCleaner cleaner = RetentionCleaner.start(scheduler, Duration.ZERO, Duration.ofMillis(50),
                List.of(storage))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> storage.find(finished).isEmpty());
        } finally {
            scheduler.shutdownNow();
        }
        assertThat(storage.find(waiting)).isPresent();
    }
}
