package dev.apiary.impl.storage;

import dev.apiary.AwaitTimeoutException;
import dev.apiary.Job;
import dev.apiary.JobFailedException;
import dev.apiary.JobNotFoundException;
import dev.apiary.JobResult;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.RawJson;
import dev.apiary.ResultTooLargeException;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The part of the {@link JobStorageContract} on job results and waiting for jobs: every storage that runs the contract
 * runs these. Waits go through a real monitor whose fallback poll is an hour apart, so a wait that ends in seconds was
 * woken by the storage's completion signal, not by polling.
 */
public interface ResultsContract {

    /** Far past any bound below: a wait that ends was woken by the completion, not by a poll. */
    Duration NO_POLL = Duration.ofHours(1);
    /** Generous for a loaded machine; the waits under test end in milliseconds. */
    long BOUND_SECONDS = 20;

    /** A result type a handler returns. */
    record Receipt(String number, int cents) {
    }

    /** The storage of this test's queue. */
    JobStorage<ContractPayload> resultStorage();

    /** A new storage of the same kind for a queue of its own that keeps results of at most {@code maxResultLength}. */
    JobStorage<ContractPayload> resultStorage(int maxResultLength);

    /**
     * The queue of {@link #resultStorage()} as another node sees it: a storage instance of its own on the same database
     * (listening for notifications where the storage can), sharing no in-process signal with the first; {@code null}
     * for a storage that has no other node (in memory).
     */
    JobStorage<ContractPayload> resultStorageOnAnotherNode();

    /**
     * Whether a completion on another node wakes a wait here (PostgreSQL's notification); where it does not, a wait
     * finds it by its fallback poll.
     */
    boolean completionsWakeOtherNodes();

    private static Job<ContractPayload> claimOne(JobStorage<ContractPayload> storage) {
        List<Job<ContractPayload>> claimed = storage.claim("w1", 1);
        assertThat(claimed).hasSize(1);
        return claimed.get(0);
    }

    private static <R> R completed(CompletionStage<R> stage) throws Exception {
        return stage.toCompletableFuture().get(BOUND_SECONDS, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletionStage<?> stage) throws Exception {
        try {
            stage.toCompletableFuture().get(BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the wait completed normally");
    }

    @Test
    default void aDoneJobsResultIsReadTypedByIdWithItsStatus() {
        JobStorage<ContractPayload> storage = resultStorage();
        String id = storage.push(new ContractPayload("invoice", 1));
        assertThat(storage.result(id, Receipt.class)).hasValueSatisfying(r -> {
            assertThat(r.status()).isEqualTo(JobStatus.PENDING);
            assertThat(r.value()).isNull();
        });

        Job<ContractPayload> job = claimOne(storage);
        storage.settle(List.of(new Settlement(job.context(), Outcome.done(new Receipt("R-7", 4200)))));

        JobResult<Receipt> result = storage.result(id, Receipt.class).orElseThrow();
        assertThat(result.status()).isEqualTo(JobStatus.DONE);
        assertThat(result.value()).isEqualTo(new Receipt("R-7", 4200));
        assertThat(result.orElseThrow()).isEqualTo(new Receipt("R-7", 4200));
        assertThat(result.finishedAt()).isNotNull();
        assertThat(storage.result(id, JsonObject.class).orElseThrow().value().getInt("cents")).isEqualTo(4200);
        assertThat(storage.result(id, RawJson.class).orElseThrow().value().json()).contains("R-7");
        assertThat(storage.result("no-such-job", Receipt.class)).isEmpty();
    }

    @Test
    default void aFailedJobReadsWithItsErrorAndNoValue() {
        JobStorage<ContractPayload> storage = resultStorage();
        String id = storage.push(new ContractPayload("invoice", 1));
        Job<ContractPayload> job = claimOne(storage);
        storage.settle(List.of(new Settlement(job.context(), Outcome.failed("the printer is on fire"))));

        JobResult<Receipt> result = storage.result(id, Receipt.class).orElseThrow();

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.value()).isNull();
        assertThat(result.error()).isEqualTo("the printer is on fire");
        assertThatThrownBy(result::orElseThrow).isInstanceOf(JobFailedException.class)
                .hasMessageContaining(id).hasMessageContaining("FAILED").hasMessageContaining("the printer is on fire");
    }

    @Test
    default void aResultPastTheLimitIsRefusedWholeWithAClearError() {
        JobStorage<ContractPayload> storage = resultStorage(100);
        String small = storage.push(new ContractPayload("small", 1));
        String large = storage.push(new ContractPayload("large", 2));
        List<Job<ContractPayload>> jobs = storage.claim("w1", 2);
        Settlement fits = new Settlement(jobs.get(0).context(), Outcome.done(new Receipt("x".repeat(50), 1)));
        Settlement tooLarge = new Settlement(jobs.get(1).context(), Outcome.done(new Receipt("x".repeat(200), 2)));

        assertThatThrownBy(() -> storage.settle(List.of(fits, tooLarge)))
                .isInstanceOf(ResultTooLargeException.class)
                .hasMessageContaining(jobs.get(1).id()).hasMessageContaining("of queue '" + storage.queue() + "'")
                .hasMessageContaining("more than the queue's limit of 100");
        // refused whole, as any refused write: the worker isolates the refused one and writes the rest
        assertThat(storage.find(small).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(storage.find(large).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    default void aWorkerEndsAJobWhoseResultIsTooLargeFailedWithTheReasonAndKeepsTheOthersDone() throws Exception {
        JobStorage<ContractPayload> storage = resultStorage(100);
        Monitor monitor = Monitor.create().awaitPollInterval(NO_POLL);
        monitor.register(WorkerBuilder.named("results").source(storage).concurrency(4)
                .handler(job -> Outcome.done(new Receipt("x".repeat(job.payload().n()), job.payload().n()))));
        try {
            String fits = storage.push(new ContractPayload("fits", 10));
            String tooLarge = storage.push(new ContractPayload("too large", 500));
            monitor.start();

            List<JobResult<Receipt>> results = completed(monitor.awaitAll(storage, List.of(fits, tooLarge),
                    Receipt.class, Duration.ofSeconds(BOUND_SECONDS)));

            assertThat(results.get(0).status()).isEqualTo(JobStatus.DONE);
            assertThat(results.get(0).value().cents()).isEqualTo(10);
            assertThat(results.get(1).status()).isEqualTo(JobStatus.FAILED);
            assertThat(results.get(1).error()).contains("characters of JSON, more than the queue's limit of 100")
                    .contains("not retried");
            assertThat(storage.find(tooLarge).orElseThrow().attempts()).isEqualTo(1);
        } finally {
            monitor.stop();
        }
    }

    @Test
    default void awaitCompletesWhenTheJobIsDoneWokenByTheCompletion() throws Exception {
        JobStorage<ContractPayload> storage = resultStorage();
        Monitor monitor = Monitor.create().awaitPollInterval(NO_POLL);
        try {
            String id = storage.push(new ContractPayload("invoice", 1));
            CompletableFuture<JobResult<Receipt>> waiting = monitor.await(storage, id, Receipt.class,
                    Duration.ofMinutes(10)).toCompletableFuture();
            Job<ContractPayload> job = claimOne(storage);
            assertThat(waiting).isNotDone();

            long settled = System.nanoTime();
            storage.settle(List.of(new Settlement(job.context(), Outcome.done(new Receipt("R-1", 100)))));
            JobResult<Receipt> result = completed(waiting);

            assertThat(result.status()).isEqualTo(JobStatus.DONE);
            assertThat(result.value()).isEqualTo(new Receipt("R-1", 100));
            assertThat(Duration.ofNanos(System.nanoTime() - settled)).isLessThan(Duration.ofSeconds(BOUND_SECONDS));
        } finally {
            monitor.stop();
        }
    }

    @Test
    default void awaitCompletesWhenTheJobRanOnAnotherNode() throws Exception {
        JobStorage<ContractPayload> node = resultStorage();
        JobStorage<ContractPayload> otherNode = resultStorageOnAnotherNode();
        assumeTrue(otherNode != null, "this storage has no other node");
        // woken by the other node's completion where the storage can tell, else by a short fallback poll
        Monitor monitor = Monitor.create()
                .awaitPollInterval(completionsWakeOtherNodes() ? NO_POLL : Duration.ofMillis(200));
        try {
            String id = node.push(new ContractPayload("invoice", 1));
            CompletionStage<JobResult<Receipt>> waiting = monitor.await(otherNode, id, Receipt.class,
                    Duration.ofMinutes(10));
            Job<ContractPayload> job = claimOne(node);

            node.settle(List.of(new Settlement(job.context(), Outcome.done(new Receipt("R-9", 900)))));

            JobResult<Receipt> result = completed(waiting);
            assertThat(result.status()).isEqualTo(JobStatus.DONE);
            assertThat(result.value()).isEqualTo(new Receipt("R-9", 900));
        } finally {
            monitor.stop();
            if (otherNode instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }

    @Test
    default void awaitCompletesNormallyWithTheStatusOfAFailedKilledOrCancelledJob() throws Exception {
        JobStorage<ContractPayload> storage = resultStorage();
        Monitor monitor = Monitor.create().awaitPollInterval(NO_POLL);
        try {
            String failed = storage.push(new ContractPayload("failed", 1));
            String killed = storage.push(new ContractPayload("killed", 2));
            String cancelled = storage.push(new ContractPayload("cancelled", 3));
            CompletionStage<List<JobResult<Receipt>>> waiting = monitor.awaitAll(storage,
                    List.of(failed, killed, cancelled), Receipt.class, Duration.ofMinutes(10));
            Job<ContractPayload> job = claimOne(storage);
            assertThat(job.id()).isEqualTo(failed);

            storage.settle(List.of(new Settlement(job.context(), Outcome.failed("no paper"))));
            storage.kill(killed, "not wanted");
            storage.cancel(cancelled, "ada", "changed her mind");

            assertThat(completed(waiting)).extracting(JobResult::id, JobResult::status, JobResult::error)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(failed, JobStatus.FAILED, "no paper"),
                            org.assertj.core.groups.Tuple.tuple(killed, JobStatus.KILLED, "not wanted"),
                            org.assertj.core.groups.Tuple.tuple(cancelled, JobStatus.CANCELLED, "changed her mind"));
        } finally {
            monitor.stop();
        }
    }

    @Test
    default void awaitEndsAtItsTimeoutNamingTheUnfinishedJobs() throws Exception {
        JobStorage<ContractPayload> storage = resultStorage();
        Monitor monitor = Monitor.create().awaitPollInterval(NO_POLL);
        try {
            String done = storage.push(new ContractPayload("done", 1));
            Job<ContractPayload> job = claimOne(storage);
            storage.settle(List.of(new Settlement(job.context(), Outcome.done())));
            String pending = storage.push(new ContractPayload("pending", 2));

            long started = System.nanoTime();
            Throwable failure = failure(monitor.awaitAll(storage, List.of(done, pending), Receipt.class,
                    Duration.ofMillis(300)));
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(failure).isInstanceOf(AwaitTimeoutException.class)
                    .hasMessageContaining("1 of 2 awaited jobs").hasMessageContaining(pending);
            assertThat(((AwaitTimeoutException) failure).unfinished()).containsExactly(pending);
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(storage.find(pending).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        } finally {
            monitor.stop();
        }
    }

    @Test
    default void awaitOfAJobThatEndedBeforeCompletesAtOnceAndOfAnUnknownJobFails() throws Exception {
        JobStorage<ContractPayload> storage = resultStorage();
        Monitor monitor = Monitor.create().awaitPollInterval(NO_POLL);
        try {
            String id = storage.push(new ContractPayload("early", 1));
            Job<ContractPayload> job = claimOne(storage);
            storage.settle(List.of(new Settlement(job.context(), Outcome.done(new Receipt("R-2", 2)))));

            assertThat(completed(monitor.await(storage, id, Receipt.class, Duration.ofMinutes(10))).value())
                    .isEqualTo(new Receipt("R-2", 2));
            assertThat(failure(monitor.await(storage, "no-such-job", Receipt.class, Duration.ofMinutes(10))))
                    .isInstanceOf(JobNotFoundException.class).hasMessageContaining("no-such-job");
        } finally {
            monitor.stop();
        }
    }

    @Test
    default void aStoppedMonitorEndsItsWaits() throws Exception {
        JobStorage<ContractPayload> storage = resultStorage();
        Monitor monitor = Monitor.create().awaitPollInterval(NO_POLL);
        String id = storage.push(new ContractPayload("left", 1));
        CompletionStage<JobResult<Receipt>> waiting = monitor.await(storage, id, Receipt.class, Duration.ofMinutes(10));

        monitor.stop();

        assertThat(failure(waiting)).hasMessageContaining("monitor stopped");
        await().atMost(Duration.ofSeconds(BOUND_SECONDS)).until(() -> waiting.toCompletableFuture().isDone());
    }
}
