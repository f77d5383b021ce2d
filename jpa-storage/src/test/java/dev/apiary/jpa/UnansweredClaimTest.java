package dev.apiary.jpa;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.StorageException;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A claim whose commit reached the database but whose answer was lost (a connection that hung until the driver's
 * socket timeout): the worker never got the jobs it took, and its heartbeats would keep them from the orphan sweep
 * for as long as it lives. Its next claim that commits hands them back, so they run, with their attempt counted once.
 */
class UnansweredClaimTest {

    @ParameterizedTest
    @EnumSource(TestDatabases.Provider.class)
    void theJobsOfAClaimWhoseAnswerWasLostComeBackWithTheWorkersNextClaim(TestDatabases.Provider provider)
            throws Exception {
        // given a database whose next commit succeeds but whose answer is lost
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:unanswered-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        try (Connection c = h2.getConnection()) {
            JobSchema.create(c);
        }
        AtomicBoolean loseNextAnswer = new AtomicBoolean();
        EntityManagerFactory emf = Persistence.createEntityManagerFactory(provider.unit,
                Map.of("jakarta.persistence.nonJtaDataSource", losingCommitAnswers(h2, loseNextAnswer)));
        try {
            JpaJobStorage<String> storage = JpaJobStorage.builder(emf).queue("reports", String.class).build();
            String id = storage.push("monthly");

            // when a claim commits but fails for the worker
            loseNextAnswer.set(true);
            assertThatThrownBy(() -> storage.claim("worker-1", 10)).isInstanceOf(StorageException.class);
            assertThat(storage.find(id).orElseThrow().status()).as("the claim did commit").isEqualTo(JobStatus.RUNNING);

            // then the worker's next claim gets the job, its attempt counted once
            List<Job<String>> jobs = storage.claim("worker-1", 10);
            assertThat(jobs).extracting(Job::id).containsExactly(id);
            assertThat(jobs.get(0).context().attempt()).isEqualTo(1);
            assertThat(storage.claim("worker-1", 10)).as("handed back once, not again").isEmpty();
        } finally {
            emf.close();
        }
    }

    /** Connections whose commit, while {@code lose} is set, commits and then fails as a timed-out read does. */
    private static DataSource losingCommitAnswers(DataSource real, AtomicBoolean lose) {
        return (DataSource) Proxy.newProxyInstance(UnansweredClaimTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(real, method, args);
                    if (!(result instanceof Connection connection)) {
                        return result;
                    }
                    return Proxy.newProxyInstance(UnansweredClaimTest.class.getClassLoader(),
                            new Class<?>[] {Connection.class}, (p, m, a) -> {
                                Object r = invoke(connection, m, a);
                                if (m.getName().equals("commit") && lose.compareAndSet(true, false)) {
                                    throw new SQLException("An I/O error occurred while sending to the backend: "
                                            + "Read timed out", "08006");
                                }
                                return r;
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
