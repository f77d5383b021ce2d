package dev.apiary.impl.cdi;

import dev.apiary.AwaitTimeoutException;
import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.JobResult;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A bean reads and awaits job results through its injected {@code JobQueue}: a {@code @JobWorker}'s returned value
 * comes back typed, a failed job completes the wait with its status, and a wait for a job no worker serves ends at its
 * timeout.
 */
@EnableWeld
class JobResultsTest {

    public record Square(int n) {
    }

    public record Squared(int n, long square) {
    }

    @JobWorker(queue = "squares")
    public static class SquareWorker implements JobHandler<Square> {
        @Override
        public Outcome handle(Job<Square> job) {
            int n = job.payload().n();
            return n < 0 ? Outcome.kill("no negative squares here") : Outcome.done(new Squared(n, (long) n * n));
        }
    }

    @ApplicationScoped
    public static class Storages {
        @Produces
        @ApplicationScoped
        @Queue("squares")
        JobStorage<Square> squares() {
            return InMemory.storage("squares", Square.class);
        }
    }

    /** Any bean: it awaits through its injected queue. */
    @Dependent
    public static class Calculator {
        @Inject
        @Queue("squares")
        JobQueue<Square> squares;

        CompletionStage<Long> square(int n) {
            return squares.await(squares.push(new Square(n)), Squared.class, Duration.ofSeconds(30))
                    .thenApply(result -> result.orElseThrow().square());
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(SquareWorker.class, Storages.class, Calculator.class, EmailStorage.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    Calculator calculator;

    @Inject
    @Queue("squares")
    JobQueue<Square> squares;

    @Inject
    JobQueue<Email> emails;

    @BeforeAll
    static void config() {
        TestConfig.use(Map.of());
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void aBeanAwaitsTheTypedResultAWorkerBeanReturned() throws Exception {
        assertThat(calculator.square(12).toCompletableFuture().get(20, TimeUnit.SECONDS)).isEqualTo(144L);

        String id = squares.push(new Square(7));
        JobResult<Squared> result = squares.await(id, Squared.class, Duration.ofSeconds(30)).toCompletableFuture()
                .get(20, TimeUnit.SECONDS);
        assertThat(result.status()).isEqualTo(JobStatus.DONE);
        assertThat(result.value()).isEqualTo(new Squared(7, 49));
        assertThat(squares.result(id, Squared.class).orElseThrow().value()).isEqualTo(new Squared(7, 49));
    }

    @Test
    void aKilledJobCompletesTheWaitWithItsStatusAndASetWaitsForEveryJob() throws Exception {
        List<String> ids = squares.pushAll(List.of(new Square(2), new Square(-1), new Square(3)));

        List<JobResult<Squared>> results = squares.awaitAll(ids, Squared.class, Duration.ofSeconds(30))
                .toCompletableFuture().get(20, TimeUnit.SECONDS);

        assertThat(results).extracting(JobResult::status)
                .containsExactly(JobStatus.DONE, JobStatus.KILLED, JobStatus.DONE);
        assertThat(results.get(1).error()).isEqualTo("no negative squares here");
        assertThat(results.get(2).value().square()).isEqualTo(9);
    }

    @Test
    void aWaitForAJobNoWorkerServesEndsAtItsTimeout() {
        // the tests' email queue has no worker
        String id = emails.push(new Email("nobody@example.com"));

        assertThatThrownBy(() -> emails.await(id, Email.class, Duration.ofMillis(200)).toCompletableFuture()
                .get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(AwaitTimeoutException.class).hasMessageContaining(id);
    }
}
