package dev.apiary.jpa;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.StorageException;
import dev.apiary.spi.Settlement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker's statements are bounded in time: a settle that meets a row lock someone holds (an administrator's open
 * transaction, a stuck caller) fails within the lock or statement timeout instead of holding the worker's thread
 * for as long as the lock is held, and goes through once the lock is gone. On PostgreSQL, with each provider.
 */
class StorageTimeoutsTest {

    private static final Duration NO_ANSWER = Duration.ofSeconds(20);

    @ParameterizedTest
    @EnumSource(TestDatabases.Provider.class)
    void aSettleWaitingForALockFailsWithinTheLockTimeout(TestDatabases.Provider provider) throws Exception {
        JpaJobStorage<String> storage = storage(provider, Duration.ofSeconds(10), Duration.ofMillis(500));
        assertSettleFailsWhileLockedAndWorksAfter(storage, Duration.ofSeconds(4));
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.Provider.class)
    void aSettleWaitingForALockFailsWithinTheStatementTimeoutWhenNoLockTimeoutIsSet(TestDatabases.Provider provider)
            throws Exception {
        JpaJobStorage<String> storage = storage(provider, Duration.ofSeconds(1), Duration.ZERO);
        assertSettleFailsWhileLockedAndWorksAfter(storage, Duration.ofSeconds(5));
    }

    private static JpaJobStorage<String> storage(TestDatabases.Provider provider, Duration statement, Duration lock) {
        return JpaJobStorage.builder(TestDatabases.emf(provider, TestDatabases.Db.POSTGRESQL))
                .queue("timeouts-" + UUID.randomUUID(), String.class)
                .statementTimeout(statement).lockTimeout(lock).build();
    }

    private static void assertSettleFailsWhileLockedAndWorksAfter(JpaJobStorage<String> storage, Duration within)
            throws Exception {
        // given a claimed job whose row another transaction has locked
        String id = storage.push("report");
        Job<String> job = storage.claim("worker-1", 1).get(0);
        try (Connection other = DriverManager.getConnection(TestDatabases.url(TestDatabases.Db.POSTGRESQL))) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement(
                    "SELECT id FROM apiary_jobs WHERE id = ? FOR UPDATE")) {
                lock.setString(1, id);
                lock.executeQuery().close();
            }

            // when the worker settles it
            long start = System.nanoTime();
            CompletableFuture<Void> settle = CompletableFuture.runAsync(
                    () -> storage.settle(List.of(new Settlement(job.context(), Outcome.done()))));

            // then the settle fails within the timeout (retries of a lock timeout included), naming the queue
            Throwable failure = null;
            try {
                settle.get(NO_ANSWER.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                failure = e.getCause();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(failure).isInstanceOf(StorageException.class).hasMessageContaining(storage.queue());
            assertThat(took).isLessThan(within);
            other.rollback();
        }

        // and once the lock is gone, the kept outcome is written
        storage.settle(List.of(new Settlement(job.context(), Outcome.done())));
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
    }
}
