package dev.apiary.impl.storage;

import dev.apiary.CodecException;
import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.RawJson;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobIds;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;
import dev.apiary.spi.Throughput;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.testing.ManualClock;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import jakarta.json.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The contract every {@link JobStorage} keeps, written once and run against each implementation (in-memory, JPA on
 * H2, JPA on PostgreSQL). Each test uses a queue of its own, so implementations may share one database. Time is a
 * {@link ManualClock} the storage reads for every instant it stores or compares, so a test that needs time to pass
 * moves the clock rather than waiting.
 */
public abstract class JobStorageContract implements QueuePauseContract, FlowContract, ResultsContract,
        QueueLimitsContract {

    /**
     * Where the clock of the tests run so far stood at the latest. Tests on one database share its worker rows
     * ({@code "w1"} of one test is {@code "w1"} of the next), so a test's clock starts after every earlier test's:
     * a heartbeat another test wrote is then always in the past, as it would be on the wall clock.
     */
    private static final AtomicReference<Instant> LATEST = new AtomicReference<>(Instant.EPOCH);

    /**
     * The storage's clock, standing still until a test moves it. It starts at the current second (so that rows in a
     * shared database carry plausible times), or just after the latest time an earlier test moved its clock to.
     */
    protected final ManualClock clock = ManualClock.at(LATEST.updateAndGet(
            latest -> later(Instant.now().truncatedTo(ChronoUnit.SECONDS), latest.plusMillis(1))));
    protected JobStorage<ContractPayload> storage;
    private String queue;

    /**
     * A storage for {@code queue} that reads the time from {@code clock} only; tests never share a queue, so a shared
     * database needs no cleaning.
     */
    protected abstract JobStorage<ContractPayload> newStorage(String queue, Clock clock);

    /**
     * A storage for {@code queue} with payloads of {@code type}, written and read with {@code codec}, reading the time
     * from {@code clock}.
     */
    protected abstract <T> JobStorage<T> newStorage(String queue, Class<T> type, Codec codec, Clock clock);

    @BeforeEach
    void createStorage(TestInfo info) {
        queue = info.getTestMethod().orElseThrow().getName() + "-" + Long.toHexString(System.nanoTime());
        storage = newStorage(queue, clock);
    }

    /** A storage for {@code queue} whose results may be at most {@code maxResultLength} characters of JSON. */
    protected abstract JobStorage<ContractPayload> newStorage(String queue, Clock clock, int maxResultLength);

    @Override
    public JobStorage<ContractPayload> resultStorage() {
        return storage;
    }

    @Override
    public JobStorage<ContractPayload> resultStorage(int maxResultLength) {
        return newStorage(queue + "-limited", clock, maxResultLength);
    }

    /**
     * Another node of {@code queue}: a storage instance of its own on the same database, listening for notifications
     * where the storage can; {@code null} (the default) for a storage that has no other node.
     */
    protected JobStorage<ContractPayload> anotherNode(String queue, Clock clock) {
        return null;
    }

    @Override
    public JobStorage<ContractPayload> resultStorageOnAnotherNode() {
        return anotherNode(queue, clock);
    }

    @Override
    public boolean completionsWakeOtherNodes() {
        return false;
    }

    @Override
    public JobStorage<ContractPayload> pauseStorage() {
        return storage;
    }

    @Override
    public JobStorage<ContractPayload> pauseStorageOf(String queue) {
        return newStorage(queue, clock);
    }

    @Override
    public <T> JobStorage<T> flowStorage(String queue, Class<T> type) {
        return newStorage(queue, type, new JsonbCodec(), clock);
    }

    @Override
    public String flowQueue(String name) {
        return queue + "-" + name;
    }

    @Override
    public void advanceFlowClock(Duration duration) {
        clock.advance(duration);
    }

    @Override
    public JobStorage<ContractPayload> limitsStorage() {
        return storage;
    }

    @Override
    public ManualClock limitsClock() {
        return clock;
    }

    @AfterEach
    void keepTheClocksOrder() {
        LATEST.accumulateAndGet(clock.instant(), JobStorageContract::later);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static ContractPayload payload(int n) {
        return new ContractPayload("job-" + n, n);
    }

    private static void settle(JobStorage<?> storage, Job<?> job, Outcome outcome) {
        storage.settle(List.of(new Settlement(job.context(), outcome)));
    }

    /** Options for a job due an hour from now on the storage's clock. */
    private JobOptions inAnHour() {
        return JobOptions.defaults().withRunAt(clock.instant().plus(Duration.ofHours(1)));
    }

    private StoredJob<ContractPayload> stored(String id) {
        return storage.find(id).orElseThrow(() -> new AssertionError("job " + id + " not found"));
    }

    @Test
    void claimReturnsThePushedPayloadWithItsContext() {
        String id = storage.push(payload(1), JobOptions.defaults().withMaxAttempts(5).withPriority(2)
                .withMetadata("tenant", "acme"));

        List<Job<ContractPayload>> claimed = storage.claim("w1", 10);

        assertThat(claimed).hasSize(1);
        Job<ContractPayload> job = claimed.get(0);
        assertThat(job.payload()).isEqualTo(payload(1));
        assertThat(job.id()).isEqualTo(id);
        assertThat(job.context().queue()).isEqualTo(queue);
        assertThat(job.context().attempt()).isEqualTo(1);
        assertThat(job.context().maxAttempts()).isEqualTo(5);
        assertThat(job.context().priority()).isEqualTo(2);
        assertThat(job.context().workerId()).isEqualTo("w1");
        assertThat(job.context().metadata()).containsEntry("tenant", "acme");
        assertThat(stored(id).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(stored(id).attempts()).isEqualTo(1);
    }

    @Test
    void claimTakesAtMostTheFreeSlots() {
        storage.pushAll(IntStream.range(0, 5).mapToObj(JobStorageContract::payload).toList(), JobOptions.defaults());

        assertThat(storage.claim("w1", 3)).hasSize(3);
        assertThat(storage.claim("w1", 3)).hasSize(2);
        assertThat(storage.claim("w1", 3)).isEmpty();
    }

    @Test
    void aJobIsClaimedByOneWorkerOnly() {
        storage.push(payload(1));

        assertThat(storage.claim("w1", 1)).hasSize(1);
        assertThat(storage.claim("w2", 1)).isEmpty();
    }

    @Test
    void aJobScheduledLaterIsNotClaimedBeforeItsTime() {
        String later = storage.schedule(payload(1), clock.instant().plus(1, ChronoUnit.HOURS));
        String earlier = storage.schedule(payload(2), clock.instant().minusSeconds(1));

        List<Job<ContractPayload>> claimed = storage.claim("w1", 10);

        assertThat(claimed).extracting(Job::id).containsExactly(earlier);
        assertThat(stored(later).status()).isEqualTo(JobStatus.PENDING);
    }

    @Test
    void higherPriorityIsClaimedFirstThenEarlierRunAt() {
        Instant t = clock.instant().minusSeconds(60);
        String lowOld = storage.push(payload(1), JobOptions.defaults().withRunAt(t.minusSeconds(10)));
        String high = storage.push(payload(2), JobOptions.defaults().withRunAt(t).withPriority(5));
        String lowNew = storage.push(payload(3), JobOptions.defaults().withRunAt(t));

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            order.add(storage.claim("w1", 1).get(0).id());
        }

        assertThat(order).containsExactly(high, lowOld, lowNew);
    }

    @Test
    void doneIsFinalAndCounted() {
        String id = storage.push(payload(1));
        Job<ContractPayload> job = storage.claim("w1", 1).get(0);

        settle(storage, job, Outcome.done());

        StoredJob<ContractPayload> s = stored(id);
        assertThat(s.status()).isEqualTo(JobStatus.DONE);
        assertThat(s.finishedAt()).isNotNull();
        assertThat(s.workerId()).isNull();
        assertThat(storage.claim("w1", 1)).isEmpty();
        assertThat(storage.counts()).containsEntry(JobStatus.DONE, 1L).containsEntry(JobStatus.RUNNING, 0L);
    }

    @Test
    void aDoneJobKeepsTheResultItReturnedAsJson() {
        String withResult = storage.push(payload(1));
        String withoutResult = storage.push(payload(2));
        String failed = storage.push(payload(3), JobOptions.defaults().withMaxAttempts(1));
        List<Job<ContractPayload>> jobs = storage.claim("w1", 3);
        Map<String, Job<ContractPayload>> byId = new java.util.HashMap<>();
        jobs.forEach(j -> byId.put(j.id(), j));

        storage.settle(List.of(
                new Settlement(byId.get(withResult).context(), Outcome.done(new ContractPayload("total", 42))),
                new Settlement(byId.get(withoutResult).context(), Outcome.done()),
                new Settlement(byId.get(failed).context(), Outcome.failed("broken"))));

        StoredJob<ContractPayload> s = stored(withResult);
        assertThat(s.status()).isEqualTo(JobStatus.DONE);
        assertThat(s.finishedAt()).isNotNull();
        assertThat(s.workerId()).isNull();
        assertThat(s.result()).contains("\"name\":\"total\"").contains("\"n\":42");
        assertThat(stored(withoutResult).status()).isEqualTo(JobStatus.DONE);
        assertThat(stored(withoutResult).result()).isNull();
        assertThat(stored(failed).status()).isEqualTo(JobStatus.FAILED);
        assertThat(stored(failed).result()).isNull();
        assertThat(storage.counts()).containsEntry(JobStatus.DONE, 2L).containsEntry(JobStatus.RUNNING, 0L);
    }

    @Test
    void aResultFromAWorkerThatLostTheJobIsIgnored() {
        String id = storage.push(payload(1));
        Job<ContractPayload> job = storage.claim("w1", 1).get(0);
        storage.kill(id, "stopped by an admin");

        settle(storage, job, Outcome.done("too late"));

        assertThat(stored(id).status()).isEqualTo(JobStatus.KILLED);
        assertThat(stored(id).result()).isNull();
    }

    @Test
    void retryIsStoredAsRunAtAndCountsTheAttempt() {
        String id = storage.push(payload(1));
        Job<ContractPayload> first = storage.claim("w1", 1).get(0);

        settle(storage, first, Outcome.retryAt(clock.instant().plus(1, ChronoUnit.HOURS), "boom"));

        StoredJob<ContractPayload> s = stored(id);
        assertThat(s.status()).isEqualTo(JobStatus.PENDING);
        assertThat(s.attempts()).isEqualTo(1);
        assertThat(s.lastError()).isEqualTo("boom");
        assertThat(s.runAt()).isAfter(clock.instant().plus(50, ChronoUnit.MINUTES));
        assertThat(storage.claim("w1", 1)).as("not due yet").isEmpty();
    }

    @Test
    void aDueRetryRunsAgainWithTheNextAttempt() {
        storage.push(payload(1));
        settle(storage, storage.claim("w1", 1).get(0), Outcome.retryAt(clock.instant().minusMillis(1), "boom"));

        Job<ContractPayload> second = storage.claim("w2", 1).get(0);

        assertThat(second.context().attempt()).isEqualTo(2);
        assertThat(second.payload()).isEqualTo(payload(1));
    }

    @Test
    void aRetryAfterTheLastAttemptEndsTheJobAsFailed() {
        String id = storage.push(payload(1), JobOptions.defaults().withMaxAttempts(1));

        settle(storage, storage.claim("w1", 1).get(0), Outcome.retryAt(clock.instant(), "still broken"));

        assertThat(stored(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(stored(id).lastError()).isEqualTo("still broken");
        assertThat(storage.claim("w1", 1)).isEmpty();
    }

    @Test
    void killedAndFailedJobsAreNeverClaimedAgain() {
        String killed = storage.push(payload(1));
        String failed = storage.push(payload(2));
        for (Job<ContractPayload> job : storage.claim("w1", 2)) {
            settle(storage, job, job.id().equals(killed) ? Outcome.kill("bad input") : Outcome.failed("broken"));
        }

        assertThat(stored(killed).status()).isEqualTo(JobStatus.KILLED);
        assertThat(stored(killed).lastError()).isEqualTo("bad input");
        assertThat(stored(failed).status()).isEqualTo(JobStatus.FAILED);
        assertThat(stored(failed).lastError()).isEqualTo("broken");
        assertThat(storage.claim("w1", 10)).isEmpty();
    }

    // ---- text a database refuses (NUL, lone surrogates) or should not keep whole (megabytes): stored readable

    /** NUL, a lone high and a lone low surrogate between words, and a well-formed pair (an emoji) that must stay. */
    private static final String POISON = "bad\u0000input \uD800lone \uDC00surrogates \uD83D\uDE00 kept";
    private static final int TEN_MB = 10 * 1024 * 1024;

    private static String huge(String first, String last) {
        return first + "\n" + "x".repeat(TEN_MB) + "\n" + last;
    }

    /** No NUL and no surrogate without its partner: text that PostgreSQL and every UTF-8 reader accept. */
    private static void assertReadable(String text) {
        assertThat(text).isNotNull().doesNotContain("\u0000");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new AssertionError("lone surrogate at " + i + " in " + text.substring(0, Math.min(200,
                        text.length())));
            }
        }
    }

    private Map<String, Job<ContractPayload>> claimAll(int n) {
        Map<String, Job<ContractPayload>> byId = new java.util.LinkedHashMap<>();
        storage.claim("w1", n).forEach(j -> byId.put(j.id(), j));
        assertThat(byId).hasSize(n);
        return byId;
    }

    @Test
    void errorsWithNulAndLoneSurrogatesAreStoredReadableWithTheirTrace() {
        List<String> ids = storage.pushAll(IntStream.range(0, 5).mapToObj(JobStorageContract::payload).toList(),
                JobOptions.defaults().withMaxAttempts(3));
        Map<String, Job<ContractPayload>> jobs = claimAll(5);
        Exception thrown = new IllegalStateException("upstream said " + POISON,
                new java.io.IOException("cause \uDBFF\u0000 text"));

        storage.settle(List.of(
                new Settlement(jobs.get(ids.get(0)).context(), Outcome.failed(POISON)),
                new Settlement(jobs.get(ids.get(1)).context(), Outcome.retryAt(clock.instant().plusSeconds(3600),
                        POISON)),
                new Settlement(jobs.get(ids.get(2)).context(), Outcome.kill(POISON)),
                new Settlement(jobs.get(ids.get(3)).context(), Outcome.failed(thrown)),
                new Settlement(jobs.get(ids.get(4)).context(), Outcome.done())));

        assertThat(ids.stream().map(id -> stored(id).status())).containsExactly(JobStatus.FAILED,
                JobStatus.PENDING, JobStatus.KILLED, JobStatus.FAILED, JobStatus.DONE);
        for (String id : ids.subList(0, 3)) {
            String error = stored(id).lastError();
            assertReadable(error);
            assertThat(error).startsWith("bad").contains("input ", "lone ", "surrogates ", "\uD83D\uDE00 kept");
        }
        String trace = stored(ids.get(3)).lastError();
        assertReadable(trace);
        assertThat(trace).startsWith("java.lang.IllegalStateException: upstream said bad")
                .contains("\uD83D\uDE00 kept", "\tat ", "Caused by: java.io.IOException: cause ", " text");
    }

    @Test
    void aTenMegabyteErrorIsCutWithAVisibleMarkerKeepingItsStartAndEnd() {
        List<String> ids = storage.pushAll(IntStream.range(0, 4).mapToObj(JobStorageContract::payload).toList(),
                JobOptions.defaults().withMaxAttempts(3));
        Map<String, Job<ContractPayload>> jobs = claimAll(4);
        String huge = huge("java.lang.IllegalStateException: first line", "Caused by: the root cause");

        storage.settle(List.of(
                new Settlement(jobs.get(ids.get(0)).context(), Outcome.failed(huge)),
                new Settlement(jobs.get(ids.get(1)).context(), Outcome.retryAt(clock.instant().plusSeconds(3600),
                        huge)),
                new Settlement(jobs.get(ids.get(2)).context(), Outcome.kill(huge)),
                new Settlement(jobs.get(ids.get(3)).context(), Outcome.done())));

        assertThat(ids.stream().map(id -> stored(id).status())).containsExactly(JobStatus.FAILED,
                JobStatus.PENDING, JobStatus.KILLED, JobStatus.DONE);
        for (String id : ids.subList(0, 3)) {
            String error = stored(id).lastError();
            assertThat(error.length()).isBetween(1_000, 200_000);
            assertThat(error).startsWith("java.lang.IllegalStateException: first line\nxxx")
                    .contains("characters cut").endsWith("xxx\nCaused by: the root cause");
        }
    }

    @Test
    void metadataWithNulLoneSurrogatesOrTenMegabytesIsStoredReadable() {
        String id = storage.push(payload(1), JobOptions.defaults().withMetadata("tenant", "acme")
                .withMetadata("poison", POISON).withMetadata("huge", huge("start", "end")));

        Job<ContractPayload> job = storage.claim("w1", 1).get(0);

        for (Map<String, String> metadata : List.of(job.context().metadata(), stored(id).metadata())) {
            assertThat(metadata).containsEntry("tenant", "acme");
            assertReadable(metadata.get("poison"));
            assertThat(metadata.get("poison")).startsWith("bad").contains("input ", "lone ", "\uD83D\uDE00 kept");
            String huge = metadata.get("huge");
            assertThat(huge.length()).isBetween(1_000, 200_000);
            assertThat(huge).startsWith("start\nxxx").contains("characters cut").endsWith("xxx\nend");
        }
        assertThat(storage.findByMetadata("tenant", "acme", 10)).extracting(StoredJob::id).containsExactly(id);
    }

    @Test
    void resultsWithNulOrLoneSurrogatesLeaveTheJobDoneWithAReadableResult() {
        List<String> ids = storage.pushAll(IntStream.range(0, 3).mapToObj(JobStorageContract::payload).toList(),
                JobOptions.defaults());
        Map<String, Job<ContractPayload>> jobs = claimAll(3);

        storage.settle(List.of(
                new Settlement(jobs.get(ids.get(0)).context(), Outcome.done(POISON)),
                new Settlement(jobs.get(ids.get(1)).context(), Outcome.done(new ContractPayload(POISON, 7))),
                new Settlement(jobs.get(ids.get(2)).context(), Outcome.done(new ContractPayload("plain", 1)))));

        assertThat(ids.stream().map(id -> stored(id).status())).containsOnly(JobStatus.DONE);
        for (String id : ids) {
            assertReadable(stored(id).result());
        }
        assertThat(stored(ids.get(0)).result()).startsWith("\"bad").contains("input ", "\uD83D\uDE00 kept");
        assertThat(stored(ids.get(1)).result()).contains("\"n\":7", "lone ", "\uD83D\uDE00 kept");
        assertThat(stored(ids.get(2)).result()).contains("\"name\":\"plain\"");
    }

    @Test
    void progressMessagesAndKillReasonsWithNulOrOfAnyLengthAreStoredReadable() {
        List<String> ids = storage.pushAll(List.of(payload(1), payload(2)), JobOptions.defaults());
        Job<ContractPayload> running = storage.claim("w1", 1).get(0);
        String other = ids.stream().filter(id -> !id.equals(running.id())).findFirst().orElseThrow();

        assertThat(storage.progress(running.context(), 10, POISON + "y".repeat(1_000))).isTrue();
        assertThat(storage.kill(other, huge("killed by an admin", "because"))).isTrue();

        String message = stored(running.id()).progress().message();
        assertReadable(message);
        assertThat(message).startsWith("bad").contains("characters cut").hasSizeLessThanOrEqualTo(200);
        assertThat(stored(other).status()).isEqualTo(JobStatus.KILLED);
        assertThat(stored(other).lastError()).startsWith("killed by an admin\nxxx").contains("characters cut")
                .endsWith("xxx\nbecause").hasSizeLessThan(200_000);
    }

    @Test
    void anOutcomeFromAWorkerThatLostTheJobIsIgnored() {
        storage.push(payload(1));
        Job<ContractPayload> lost = storage.claim("w1", 1).get(0);
        clock.advance(Duration.ofMillis(30));
        assertThat(storage.reenqueueOrphans(Duration.ofMillis(10))).isEqualTo(1);
        Job<ContractPayload> taken = storage.claim("w2", 1).get(0);

        settle(storage, lost, Outcome.done());

        StoredJob<ContractPayload> s = stored(taken.id());
        assertThat(s.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(s.workerId()).isEqualTo("w2");
        assertThat(s.attempts()).isEqualTo(2);
        settle(storage, taken, Outcome.done());
        assertThat(stored(taken.id()).status()).isEqualTo(JobStatus.DONE);
    }

    @Test
    void releaseHandsJobsBackWithoutCountingTheAttempt() {
        String id = storage.push(payload(1));
        storage.claim("w1", 1);

        storage.release("w1", List.of(id));

        assertThat(stored(id).status()).isEqualTo(JobStatus.PENDING);
        assertThat(stored(id).attempts()).isZero();
        assertThat(storage.claim("w2", 1).get(0).context().attempt()).isEqualTo(1);
    }

    @Test
    void jobsOfAWorkerThatStoppedHeartbeatingGoBackToPending() {
        String id = storage.push(payload(1));
        storage.heartbeat("w1");
        storage.claim("w1", 1);

        assertThat(storage.reenqueueOrphans(Duration.ofHours(1))).as("within the lease").isZero();
        assertThat(stored(id).status()).isEqualTo(JobStatus.RUNNING);

        clock.advance(Duration.ofMillis(50));
        assertThat(storage.reenqueueOrphans(Duration.ofMillis(20))).isEqualTo(1);

        StoredJob<ContractPayload> s = stored(id);
        assertThat(s.status()).isEqualTo(JobStatus.PENDING);
        assertThat(s.attempts()).as("the interrupted attempt counts").isEqualTo(1);
        assertThat(s.workerId()).isNull();
    }

    @Test
    void aLiveWorkersJobsAreNotOrphans() {
        storage.push(payload(1));
        storage.claim("w1", 1);
        clock.advance(Duration.ofMillis(1200));

        storage.heartbeat("w1");

        // the claim is older than the lease, the heartbeat is not
        assertThat(storage.reenqueueOrphans(Duration.ofMillis(1000))).isZero();
        clock.advance(Duration.ofMillis(1001));
        assertThat(storage.reenqueueOrphans(Duration.ofMillis(1000))).as("once the heartbeat is older too")
                .isEqualTo(1);
    }

    @Test
    void anOrphanOnItsLastAttemptEndsFailed() {
        String id = storage.push(payload(1), JobOptions.defaults().withMaxAttempts(1));
        storage.claim("w1", 1);
        clock.advance(Duration.ofMillis(50));

        assertThat(storage.reenqueueOrphans(Duration.ofMillis(20))).isEqualTo(1);

        StoredJob<ContractPayload> s = stored(id);
        assertThat(s.status()).isEqualTo(JobStatus.FAILED);
        assertThat(s.lastError()).contains("last attempt");
        assertThat(s.finishedAt()).isNotNull();
        assertThat(storage.claim("w2", 1)).isEmpty();
    }

    @Test
    void aUniqueKeyIsHeldOnceUntilItsJobIsFinal() {
        JobOptions unique = JobOptions.defaults().withUniqueKey("report-" + queue);
        String first = storage.push(payload(1), unique);

        assertThat(storage.push(payload(2), unique)).isEqualTo(first);
        assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 1L);

        settle(storage, storage.claim("w1", 1).get(0), Outcome.done());
        String second = storage.push(payload(3), unique);

        assertThat(second).isNotEqualTo(first);
        assertThat(stored(second).payload()).isEqualTo(payload(3));
    }

    @Test
    void pushAllReturnsIdsInOrder() {
        List<ContractPayload> payloads = IntStream.range(0, 50).mapToObj(JobStorageContract::payload).toList();

        List<String> ids = storage.pushAll(payloads, JobOptions.defaults());

        assertThat(ids).hasSize(50).doesNotHaveDuplicates();
        for (int i = 0; i < ids.size(); i++) {
            assertThat(stored(ids.get(i)).payload()).isEqualTo(payloads.get(i));
        }
        assertThat(storage.claim("w1", 100)).hasSize(50);
    }

    @Test
    void idsSortByTimeOfPush() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(storage.push(payload(i)));
        }

        List<String> sorted = new ArrayList<>(ids);
        Collections.sort(sorted);
        assertThat(sorted).isEqualTo(ids);
    }

    @Test
    void countsCoverEveryStatus() {
        storage.pushAll(IntStream.range(0, 4).mapToObj(JobStorageContract::payload).toList(), JobOptions.defaults());
        List<Job<ContractPayload>> jobs = storage.claim("w1", 3);
        settle(storage, jobs.get(0), Outcome.done());
        settle(storage, jobs.get(1), Outcome.kill("no"));

        Map<JobStatus, Long> counts = storage.counts();

        assertThat(counts).containsOnlyKeys(JobStatus.values());
        assertThat(counts).containsEntry(JobStatus.PENDING, 1L).containsEntry(JobStatus.RUNNING, 1L)
                .containsEntry(JobStatus.DONE, 1L).containsEntry(JobStatus.KILLED, 1L)
                .containsEntry(JobStatus.FAILED, 0L);
    }

    @Test
    void listPagesNewestFirstAndFiltersByStatus() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(storage.push(payload(i)));
        }
        settle(storage, storage.claim("w1", 1).get(0), Outcome.done());

        JobPage<ContractPayload> first = storage.list(JobQuery.of(null, 0, 2));
        JobPage<ContractPayload> second = storage.list(JobQuery.of(null, 2, 2));
        JobPage<ContractPayload> done = storage.list(JobQuery.of(JobStatus.DONE, 0, 10));

        assertThat(first.total()).isEqualTo(5);
        assertThat(first.items()).extracting(StoredJob::id).containsExactly(ids.get(4), ids.get(3));
        assertThat(second.items()).extracting(StoredJob::id).containsExactly(ids.get(2), ids.get(1));
        assertThat(done.total()).isEqualTo(1);
        assertThat(done.items()).extracting(StoredJob::id).containsExactly(ids.get(0));
        assertThat(done.items().get(0).rawPayload()).contains("job-0");
    }

    @Test
    void findKnowsOnlyThisQueuesJobs() {
        assertThat(storage.find(JobIds.next())).isEmpty();
    }

    @Test
    void requeueGivesAFailedJobAFreshBudget() {
        String id = storage.push(payload(1), JobOptions.defaults().withMaxAttempts(1));
        settle(storage, storage.claim("w1", 1).get(0), Outcome.failed("broken"));

        assertThat(storage.requeue(id)).isTrue();

        Job<ContractPayload> again = storage.claim("w1", 1).get(0);
        assertThat(again.id()).isEqualTo(id);
        assertThat(again.context().attempt()).isEqualTo(1);
    }

    @Test
    void requeueRefusesRunningAndDoneJobs() {
        String id = storage.push(payload(1));
        Job<ContractPayload> job = storage.claim("w1", 1).get(0);
        assertThat(storage.requeue(id)).isFalse();
        settle(storage, job, Outcome.done());
        assertThat(storage.requeue(id)).isFalse();
        assertThat(storage.requeue(JobIds.next())).isFalse();
    }

    @Test
    void killStopsAPendingJobAndIgnoresTheRunningAttemptsOutcome() {
        String pending = storage.push(payload(1), inAnHour());
        String running = storage.push(payload(2));
        Job<ContractPayload> job = storage.claim("w1", 1).get(0);

        assertThat(storage.kill(pending, "cancelled by operator")).isTrue();
        assertThat(storage.kill(running, "cancelled by operator")).isTrue();
        settle(storage, job, Outcome.done());

        assertThat(stored(pending).status()).isEqualTo(JobStatus.KILLED);
        assertThat(stored(pending).lastError()).isEqualTo("cancelled by operator");
        assertThat(stored(running).status()).isEqualTo(JobStatus.KILLED);
        assertThat(storage.kill(running, "again")).isFalse();
    }

    @Test
    void cancelEndsAPendingJobAtOnceWithWhoAndWhy() {
        String due = storage.push(payload(1));
        String later = storage.push(payload(2), inAnHour());

        assertThat(storage.cancel(due, "alice", "pushed twice")).isTrue();
        assertThat(storage.cancel(later, null, null)).isTrue();

        StoredJob<ContractPayload> cancelled = stored(due);
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.cancelledBy()).isEqualTo("alice");
        assertThat(cancelled.lastError()).isEqualTo("pushed twice");
        assertThat(cancelled.finishedAt()).isEqualTo(clock.instant());
        assertThat(stored(later).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(stored(later).cancelledBy()).isNull();
        clock.advance(Duration.ofHours(2));
        assertThat(storage.claim("w1", 10)).isEmpty();
        assertThat(storage.counts()).containsEntry(JobStatus.CANCELLED, 2L).containsEntry(JobStatus.PENDING, 0L);
        assertThat(storage.list(JobQuery.of(JobStatus.CANCELLED, 0, 10)).items()).hasSize(2);
        assertThat(storage.cancel(due, "bob", "again")).isFalse();
        assertThat(storage.cancel(JobIds.next(), "bob", "no such job")).isFalse();
    }

    @Test
    void cancelOfARunningJobIsSeenByItsWorkerAndItsOutcomeIsIgnored() {
        storage.push(payload(1));
        storage.push(payload(2));
        List<Job<ContractPayload>> running = storage.claim("w1", 2);
        String cancelledId = running.get(0).id();
        String otherId = running.get(1).id();
        assertThat(storage.cancelled("w1", List.of(cancelledId, otherId))).isEmpty();

        assertThat(storage.cancel(cancelledId, "alice", "runs too long")).isTrue();

        assertThat(storage.cancelled("w1", List.of(cancelledId, otherId))).containsExactly(cancelledId);
        settle(storage, running.get(0), Outcome.done());
        settle(storage, running.get(1), Outcome.done());
        StoredJob<ContractPayload> cancelled = stored(cancelledId);
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.cancelledBy()).isEqualTo("alice");
        assertThat(cancelled.lastError()).isEqualTo("runs too long");
        assertThat(stored(otherId).status()).isEqualTo(JobStatus.DONE);
        // a cancelled job is not an orphan: it never runs again, whatever its worker does
        clock.advance(Duration.ofHours(1));
        storage.reenqueueOrphans(Duration.ofMinutes(1));
        assertThat(stored(cancelledId).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(storage.claim("w2", 10)).isEmpty();
    }

    @Test
    void aJobThatEndedBeforeTheCancelKeepsItsOutcome() {
        storage.push(payload(1));
        Job<ContractPayload> job = storage.claim("w1", 1).get(0);
        settle(storage, job, Outcome.done());

        assertThat(storage.cancel(job.id(), "alice", "too late")).isFalse();

        assertThat(stored(job.id()).status()).isEqualTo(JobStatus.DONE);
        assertThat(stored(job.id()).cancelledBy()).isNull();
        assertThat(storage.cancelled("w1", List.of(job.id()))).isEmpty();
    }

    @Test
    void cancelledJobsCanBeRequeuedAndArePurgedAsFinished() {
        String requeued = storage.push(payload(1));
        String purged = storage.push(payload(2));
        storage.cancel(requeued, "alice", "by mistake");
        storage.cancel(purged, "alice", "not needed");

        assertThat(storage.requeue(requeued)).isTrue();
        clock.advance(Duration.ofMinutes(1));
        assertThat(storage.purgeFinished(clock.instant())).isEqualTo(1);

        assertThat(stored(requeued).status()).isEqualTo(JobStatus.PENDING);
        assertThat(stored(requeued).cancelledBy()).isNull();
        assertThat(storage.find(purged)).isEmpty();
    }

    // ---- expose API (dashboards): search, actions in bulk, throughput, workers, progress

    @Test
    void findsJobsByUniqueKeyAndByMetadataValue() {
        String keyed = storage.push(payload(1), JobOptions.defaults().withUniqueKey("order-42"));
        String acme = storage.push(payload(2), JobOptions.defaults().withMetadata("tenant", "acme_1"));
        String newerAcme = storage.push(payload(3), JobOptions.defaults().withMetadata("tenant", "acme_1")
                .withMetadata("region", "eu"));
        storage.push(payload(4), JobOptions.defaults().withMetadata("tenant", "acmeX1"));
        storage.push(payload(5), JobOptions.defaults().withMetadata("other", "acme_1"));

        assertThat(storage.findByUniqueKey("order-42")).map(StoredJob::id).contains(keyed);
        assertThat(storage.findByUniqueKey("order-42").orElseThrow().uniqueKey()).isEqualTo("order-42");
        assertThat(storage.findByUniqueKey("order-43")).isEmpty();
        assertThat(storage.findByMetadata("tenant", "acme_1", 10)).extracting(StoredJob::id)
                .containsExactly(newerAcme, acme);
        assertThat(storage.findByMetadata("tenant", "acme_1", 1)).extracting(StoredJob::id)
                .containsExactly(newerAcme);
        assertThat(storage.findByMetadata("tenant", "nobody", 10)).isEmpty();
    }

    @Test
    void deleteRemovesAJobUnlessItRuns() {
        String pending = storage.push(payload(1), inAnHour());
        String running = storage.push(payload(2));
        storage.claim("w1", 1);

        assertThat(storage.delete(pending)).isTrue();
        assertThat(storage.delete(running)).isFalse();
        assertThat(storage.delete(JobIds.next())).isFalse();

        assertThat(storage.find(pending)).isEmpty();
        assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 0L).containsEntry(JobStatus.RUNNING, 1L);
    }

    @Test
    void bulkActionsTakeEveryJobOfOneStatusAndNoOther() {
        List<String> ids = storage.pushAll(IntStream.range(0, 5).mapToObj(JobStorageContract::payload).toList(),
                JobOptions.defaults().withMaxAttempts(1));
        String keyed = storage.push(payload(9), JobOptions.defaults().withMaxAttempts(1).withUniqueKey("k"));
        List<Job<ContractPayload>> jobs = storage.claim("w1", 6);
        for (int i = 0; i < 4; i++) {
            settle(storage, jobs.get(i), Outcome.failed("broken " + i));
        }
        settle(storage, jobs.get(5), Outcome.failed("broken keyed"));
        // now: 5 failed (one with a unique key), 1 running

        assertThat(storage.requeueAll(JobStatus.FAILED)).isEqualTo(5);
        assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 5L).containsEntry(JobStatus.FAILED, 0L)
                .containsEntry(JobStatus.RUNNING, 1L);
        assertThat(stored(keyed).attempts()).isZero();
        assertThat(storage.push(payload(10), JobOptions.defaults().withUniqueKey("k"))).isEqualTo(keyed);

        assertThat(storage.killAll(JobStatus.PENDING, "cleared by operator")).isEqualTo(5);
        assertThat(stored(ids.get(0)).lastError()).isEqualTo("cleared by operator");
        assertThat(storage.counts()).containsEntry(JobStatus.KILLED, 5L).containsEntry(JobStatus.RUNNING, 1L);

        assertThat(storage.deleteAll(JobStatus.RUNNING)).isZero();
        assertThat(storage.deleteAll(JobStatus.KILLED)).isEqualTo(5);
        assertThat(storage.counts()).containsEntry(JobStatus.KILLED, 0L).containsEntry(JobStatus.RUNNING, 1L);
        assertThat(storage.requeueAll(JobStatus.RUNNING)).isZero();
    }

    @Test
    void throughputCountsEndedJobsPerMinuteByStatus() {
        Instant before = clock.instant().minusSeconds(60);
        storage.pushAll(IntStream.range(0, 6).mapToObj(JobStorageContract::payload).toList(), JobOptions.defaults());
        List<Job<ContractPayload>> jobs = storage.claim("w1", 6);
        settle(storage, jobs.get(0), Outcome.done());
        settle(storage, jobs.get(1), Outcome.done());
        settle(storage, jobs.get(2), Outcome.done());
        settle(storage, jobs.get(3), Outcome.failed("x"));
        settle(storage, jobs.get(4), Outcome.kill("y"));

        List<Throughput> minutes = storage.throughput(before);

        assertThat(minutes).isNotEmpty().hasSizeLessThanOrEqualTo(2);
        assertThat(minutes.stream().mapToLong(Throughput::done).sum()).isEqualTo(3);
        assertThat(minutes.stream().mapToLong(Throughput::failed).sum()).isEqualTo(1);
        assertThat(minutes.stream().mapToLong(Throughput::killed).sum()).isEqualTo(1);
        Instant lastMinute = clock.instant().truncatedTo(ChronoUnit.MINUTES);
        assertThat(minutes).allSatisfy(m -> assertThat(m.minute())
                .isBetween(before.truncatedTo(ChronoUnit.MINUTES), lastMinute)
                .isEqualTo(m.minute().truncatedTo(ChronoUnit.MINUTES)));
        assertThat(storage.throughput(clock.instant().plusSeconds(120))).isEmpty();
    }

    @Test
    void heartbeatsListTheWorkersWithWhatTheyReported() {
        // instance ids are unique across the cluster: one of this test's queue
        String first0 = "mailer-0-" + queue;
        String first1 = "mailer-1-" + queue;
        storage.heartbeat(new WorkerSnapshot("mailer", first0, queue, WorkerState.ENGAGED, 2, 40, 5, 3, 0,
                clock.instant(), null));
        storage.heartbeat(new WorkerSnapshot("mailer", first1, queue, WorkerState.IDLE, 0, 7, 0, 0, 0,
                clock.instant(), null));
        storage.heartbeat(new WorkerSnapshot("mailer", first0, queue, WorkerState.IDLE, 0, 42, 5, 3, 0,
                clock.instant(), null));

        List<WorkerRecord> workers = storage.workers();

        assertThat(workers).extracting(WorkerRecord::instanceId).containsExactly(first0, first1);
        WorkerRecord first = workers.get(0);
        assertThat(first.worker()).isEqualTo("mailer");
        assertThat(first.queue()).isEqualTo(queue);
        assertThat(first.state()).isEqualTo("IDLE");
        assertThat(first.running()).isZero();
        assertThat(first.done()).isEqualTo(42);
        assertThat(first.failed()).isEqualTo(3);
        assertThat(first.lastSeen()).isAfterOrEqualTo(first.startedAt())
                .isCloseTo(clock.instant(), within(Duration.ofMinutes(1)));
    }

    @Test
    void eachAttemptRecordsItsNodeAndInstanceAndTheJobKeepsThemOnceItEnds() {
        String id = storage.push(payload(1), JobOptions.defaults().withMaxAttempts(2));
        assertThat(stored(id).attemptNode()).as("before the first claim").isNull();
        String first = "first-" + queue;
        String second = "second-" + queue;

        settle(storage, storage.claim(first, 1).get(0), Outcome.retryAt(clock.instant().minusMillis(1), "boom"));
        assertThat(stored(id).attemptWorkerId()).isEqualTo(first);
        settle(storage, storage.claim(second, 1).get(0), Outcome.done());

        StoredJob<ContractPayload> done = stored(id);
        assertThat(done.status()).isEqualTo(JobStatus.DONE);
        assertThat(done.workerId()).as("no longer held").isNull();
        assertThat(done.attemptWorkerId()).as("the instance of the last attempt").isEqualTo(second);
        storage.heartbeat(new WorkerSnapshot("mailer", second, queue, WorkerState.IDLE, 0, 1, 0, 0, 0,
                clock.instant(), null), Duration.ofSeconds(60));
        assertThat(done.attemptNode()).as("the node its worker rows carry: host and server or process")
                .isNotBlank().contains("/").isEqualTo(storage.workers().get(0).node());
    }

    @Test
    void aStoppedInstanceShowsStoppedAtOnceAndASilentOneShowsLostAfterItsLease() {
        Duration lease = Duration.ofSeconds(1);
        String stopped = "stopped-" + queue;
        String silent = "silent-" + queue;
        String leaseless = "leaseless-" + queue;
        storage.heartbeat(new WorkerSnapshot("mailer", stopped, queue, WorkerState.ENGAGED, 3, 0, 0, 0, 0,
                clock.instant(), null), lease);
        storage.heartbeat(new WorkerSnapshot("mailer", silent, queue, WorkerState.ENGAGED, 3, 0, 0, 0, 0,
                clock.instant(), null), lease);
        storage.heartbeat(new WorkerSnapshot("mailer", leaseless, queue, WorkerState.ENGAGED, 3, 0, 0, 0, 0,
                clock.instant(), null));

        // a graceful stop's last heartbeat
        storage.heartbeat(new WorkerSnapshot("mailer", stopped, queue, WorkerState.STOPPED, 0, 3, 0, 0, 0,
                clock.instant(), null), lease);
        assertThat(storage.workers()).extracting(WorkerRecord::instanceId, WorkerRecord::status, WorkerRecord::live)
                .containsExactlyInAnyOrder(tuple(stopped, "STOPPED", false), tuple(silent, "ENGAGED", true),
                        tuple(leaseless, "ENGAGED", true));

        clock.advance(lease.plusMillis(1));

        List<WorkerRecord> later = storage.workers();
        assertThat(later).extracting(WorkerRecord::instanceId, WorkerRecord::status, WorkerRecord::state)
                .containsExactlyInAnyOrder(tuple(stopped, "STOPPED", "STOPPED"), tuple(silent, "LOST", "ENGAGED"),
                        tuple(leaseless, "ENGAGED", "ENGAGED"));
        assertThat(later).filteredOn(w -> w.instanceId().equals(silent)).singleElement()
                .satisfies(w -> assertThat(w.lease()).isEqualTo(lease));
    }

    @Test
    void progressIsStoredOnlyWhileTheWorkerHoldsTheJob() {
        String id = storage.push(payload(1), JobOptions.defaults().withMaxAttempts(1));
        Job<ContractPayload> job = storage.claim("w1", 1).get(0);
        assertThat(stored(id).progress()).isNull();

        assertThat(storage.progress(job.context(), 40, "page 4 of 10")).isTrue();

        assertThat(stored(id).progress().percent()).isEqualTo(40);
        assertThat(stored(id).progress().message()).isEqualTo("page 4 of 10");
        assertThat(stored(id).progress().at()).isCloseTo(clock.instant(), within(Duration.ofMinutes(1)));
        settle(storage, job, Outcome.failed("broken"));
        assertThat(storage.progress(job.context(), 50, "too late")).isFalse();
        assertThat(stored(id).progress().percent()).isEqualTo(40);
        storage.requeue(id);
        assertThat(stored(id).progress()).isNull();
    }

    @Test
    void purgeRemovesOnlyJobsThatEndedBeforeTheCutoff() {
        String done = storage.push(payload(1));
        String pending = storage.push(payload(2), inAnHour());
        settle(storage, storage.claim("w1", 1).get(0), Outcome.done());
        clock.advance(Duration.ofMillis(20));

        assertThat(storage.purgeFinished(clock.instant().minusSeconds(3600))).isZero();
        assertThat(storage.purgeFinished(clock.instant())).isEqualTo(1);

        assertThat(storage.find(done)).isEmpty();
        assertThat(storage.find(pending)).isPresent();
        assertThat(storage.counts()).containsEntry(JobStatus.DONE, 0L);
    }

    @Test
    void aPushWakesSubscribers() throws Exception {
        CountDownLatch woken = new CountDownLatch(1);
        try (AutoCloseable subscription = storage.onAvailable(woken::countDown)) {
            storage.push(payload(1));
            assertThat(woken.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void concurrentClaimersTakeEachJobExactlyOnce() throws Exception {
        int jobs = 2_000;
        storage.pushAll(IntStream.range(0, jobs).mapToObj(JobStorageContract::payload).toList(), JobOptions.defaults());
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                String worker = "w" + w;
                futures.add(pool.submit(() -> {
                    List<Job<ContractPayload>> batch;
                    while (!(batch = storage.claim(worker, 25)).isEmpty()) {
                        List<Settlement> done = new ArrayList<>();
                        for (Job<ContractPayload> job : batch) {
                            if (!seen.add(job.id())) {
                                duplicates.incrementAndGet();
                            }
                            done.add(new Settlement(job.context(), Outcome.done()));
                        }
                        storage.settle(done);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(duplicates).hasValue(0);
        assertThat(seen).hasSize(jobs);
        assertThat(storage.counts()).containsEntry(JobStatus.DONE, (long) jobs);
    }

    @Test
    void settlingABatchOfMixedOutcomesAppliesEach() {
        storage.pushAll(IntStream.range(0, 4).mapToObj(JobStorageContract::payload).toList(), JobOptions.defaults());
        List<Job<ContractPayload>> jobs = storage.claim("w1", 4);

        storage.settle(List.of(
                new Settlement(jobs.get(0).context(), Outcome.done()),
                new Settlement(jobs.get(1).context(), Outcome.retryAt(clock.instant().plusSeconds(600), "later")),
                new Settlement(jobs.get(2).context(), Outcome.kill("no")),
                new Settlement(jobs.get(3).context(), Outcome.failed("broken"))));

        Set<JobStatus> statuses = new HashSet<>();
        for (Job<ContractPayload> job : jobs) {
            statuses.add(stored(job.id()).status());
        }
        assertThat(statuses).containsExactlyInAnyOrder(JobStatus.DONE, JobStatus.PENDING, JobStatus.KILLED,
                JobStatus.FAILED);
    }

    // Payloads pushed as JSON text, as other systems and languages enqueue them

    /** Runs {@code handler} on the one job due in {@code storage} and settles it with the outcome. */
    private static <T> Job<T> runOne(JobStorage<T> storage, JobHandler<T> handler) throws Exception {
        List<Job<T>> claimed = storage.claim("w1", 10);
        assertThat(claimed).hasSize(1);
        settle(storage, claimed.get(0), handler.handle(claimed.get(0)));
        return claimed.get(0);
    }

    @Test
    void aJsonPushIsStoredAsItCameAndRunsThroughATypedHandler() throws Exception {
        // spacing and order as another system wrote them: kept, not encoded again
        String json = "{ \"n\" : 7,\n  \"name\" : \"from elsewhere\" }";
        String id = storage.pushJson(json, JobOptions.defaults().withPriority(3).withMetadata("from", "php"));
        List<ContractPayload> handled = new ArrayList<>();

        Job<ContractPayload> job = runOne(storage, JobHandler.of(handled::add));

        assertThat(job.id()).isEqualTo(id);
        assertThat(job.context().priority()).isEqualTo(3);
        assertThat(job.context().metadata()).containsEntry("from", "php");
        assertThat(handled).containsExactly(new ContractPayload("from elsewhere", 7));
        assertThat(stored(id).rawPayload()).isEqualTo(json);
        assertThat(stored(id).payload()).isEqualTo(new ContractPayload("from elsewhere", 7));
        assertThat(stored(id).status()).isEqualTo(JobStatus.DONE);
    }

    @Test
    void aJsonPushRunsThroughAJsonObjectHandler() throws Exception {
        JobStorage<JsonObject> objects = newStorage(queue + "-objects", JsonObject.class, new JsonbCodec(), clock);
        String id = objects.pushJson("{\"name\":\"any shape\",\"tags\":[\"a\",\"b\"],\"nested\":{\"n\":2}}",
                JobOptions.defaults());
        List<JsonObject> handled = new ArrayList<>();

        runOne(objects, JobHandler.of(handled::add));

        assertThat(handled).hasSize(1);
        assertThat(handled.get(0).getString("name")).isEqualTo("any shape");
        assertThat(handled.get(0).getJsonArray("tags")).hasSize(2);
        assertThat(handled.get(0).getJsonObject("nested").getInt("n")).isEqualTo(2);
        assertThat(objects.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        // a JsonObject pushed as a payload is stored as its JSON and read back equal
        JsonObject pushed = Json.createObjectBuilder().add("k", "v").build();
        String second = objects.push(pushed);
        assertThat(objects.claim("w1", 1).get(0).payload()).isEqualTo(pushed);
        assertThat(objects.find(second).orElseThrow().rawPayload()).isEqualTo("{\"k\":\"v\"}");
    }

    @Test
    void aJsonPushRunsThroughARawJsonHandlerAsItCame() throws Exception {
        JobStorage<RawJson> raw = newStorage(queue + "-raw", RawJson.class, new JsonbCodec(), clock);
        String json = "[1, {\"two\": 2}, \"three\"]";
        raw.pushJson(json, JobOptions.defaults());
        List<RawJson> handled = new ArrayList<>();

        runOne(raw, JobHandler.of(handled::add));

        assertThat(handled).containsExactly(new RawJson(json));
    }

    @Test
    void malformedJsonIsRefusedAtPushAndNothingIsStored() {
        JobStorage<RawJson> raw = newStorage(queue + "-raw", RawJson.class, new JsonbCodec(), clock);
        // the last two start with a valid payload, which a lenient reader would take and store with what follows
        for (String malformed : new String[] {"{\"name\":\"cut", "not json", "", "{\"name\":\"x\",}",
                "{\"name\":\"x\",\"n\":1} trailing", "{\"name\":\"x\",\"n\":1}{\"name\":\"y\",\"n\":2}"}) {
            assertThatThrownBy(() -> storage.pushJson(malformed, JobOptions.defaults()))
                    .as(malformed).isInstanceOf(CodecException.class)
                    .hasMessageContaining("'" + queue + "'").hasMessageContaining(ContractPayload.class.getName());
            assertThatThrownBy(() -> raw.pushJson(malformed, JobOptions.defaults()))
                    .as(malformed).isInstanceOf(CodecException.class).hasMessageContaining(RawJson.class.getName());
        }
        assertThatThrownBy(() -> storage.pushJson(null, JobOptions.defaults())).isInstanceOf(CodecException.class)
                .hasMessageContaining("'" + queue + "'");

        assertThat(storage.counts().values()).allMatch(n -> n == 0);
        assertThat(raw.counts().values()).allMatch(n -> n == 0);
        assertThat(storage.claim("w1", 10)).isEmpty();
    }

    @Test
    void jsonThatIsNotAValidPayloadIsRefusedAtPushAndNothingIsStored() {
        JobStorage<JsonObject> objects = newStorage(queue + "-objects", JsonObject.class, new JsonbCodec(), clock);
        for (String mistyped : new String[] {"[1,2,3]", "\"a string\"", "{\"name\":\"x\",\"n\":\"seven\"}", "null"}) {
            assertThatThrownBy(() -> storage.pushJson(mistyped, JobOptions.defaults()))
                    .as(mistyped).isInstanceOf(CodecException.class)
                    .hasMessageContaining("'" + queue + "'").hasMessageContaining(ContractPayload.class.getName());
        }
        assertThatThrownBy(() -> objects.pushJson("[{\"name\":\"x\"}]", JobOptions.defaults()))
                .isInstanceOf(CodecException.class).hasMessageContaining(JsonObject.class.getName());

        assertThat(storage.counts().values()).allMatch(n -> n == 0);
        assertThat(objects.counts().values()).allMatch(n -> n == 0);
    }

    @Test
    void aCustomCodecWritesPushesChecksJsonPushesAndDecodesForTheHandler() throws Exception {
        JobStorage<ContractPayload> labelled = newStorage(queue + "-labelled", ContractPayload.class,
                new LabelledCodec(), clock);

        String pushed = labelled.push(payload(1));
        String json = labelled.pushJson("{\"label\":\"from elsewhere\",\"number\":2}", JobOptions.defaults());
        // valid for the default codec, not for this queue's
        assertThatThrownBy(() -> labelled.pushJson("{\"name\":\"x\",\"n\":3}", JobOptions.defaults()))
                .isInstanceOf(CodecException.class).hasMessageContaining("no label");
        List<ContractPayload> handled = new ArrayList<>();
        for (Job<ContractPayload> job : labelled.claim("w1", 10)) {
            settle(labelled, job, JobHandler.<ContractPayload>of(handled::add).handle(job));
        }

        assertThat(labelled.find(pushed).orElseThrow().rawPayload()).isEqualTo("{\"label\":\"job-1\",\"number\":1}");
        assertThat(handled).containsExactlyInAnyOrder(payload(1), new ContractPayload("from elsewhere", 2));
        assertThat(labelled.find(json).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(labelled.counts()).containsEntry(JobStatus.DONE, 2L).containsEntry(JobStatus.PENDING, 0L);
        // the payload type decides: a JsonObject queue with the same codec still reads JSON-P
        JobStorage<JsonObject> objects = newStorage(queue + "-objects", JsonObject.class, new LabelledCodec(), clock);
        objects.pushJson("{\"name\":\"x\"}", JobOptions.defaults());
        assertThat(objects.claim("w1", 1).get(0).payload().getString("name")).isEqualTo("x");
    }

    /**
     * A codec of its own: the contract payload as {@code {"label":..,"number":..}}, which JSON-B would not read or
     * write, and everything else (metadata, results) through JSON-B.
     */
    private static final class LabelledCodec implements Codec {
        private final JsonbCodec others = new JsonbCodec();

        @Override
        public String encode(Object value) {
            if (value instanceof ContractPayload p) {
                return Json.createObjectBuilder().add("label", p.name()).add("number", p.n()).build().toString();
            }
            return others.encode(value);
        }

        @Override
        public <T> T decode(String text, Class<T> type) {
            if (type != ContractPayload.class) {
                return others.decode(text, type);
            }
            JsonObject o;
            try {
                o = Json.createReader(new java.io.StringReader(text)).readObject();
            } catch (RuntimeException e) {
                throw new CodecException("not a JSON object: " + e.getMessage(), e);
            }
            if (!(o.get("label") instanceof JsonString label)) {
                throw new CodecException("no label", null);
            }
            if (!(o.get("number") instanceof JsonNumber number)) {
                throw new CodecException("no number", null);
            }
            return type.cast(new ContractPayload(label.getString(), number.intValueExact()));
        }
    }
}
