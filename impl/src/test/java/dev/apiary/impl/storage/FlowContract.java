package dev.apiary.impl.storage;

import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.flow.BatchSummary;
import dev.apiary.flow.FlowKind;
import dev.apiary.flow.FlowView;
import dev.apiary.flow.Flows;
import dev.apiary.flow.Workflow;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The part of the {@link JobStorageContract} on chains, batches and workflows: every storage that runs the contract
 * runs these. Jobs are claimed and settled here as a worker would, so each step's state can be read between two.
 */
public interface FlowContract {

    /** A storage of the same kind and database as the test's, for {@code queue}, with payloads of {@code type}. */
    <T> JobStorage<T> flowStorage(String queue, Class<T> type);

    /** A queue name no other test uses. */
    String flowQueue(String name);

    /** Moves the clock every storage of the test reads. */
    void advanceFlowClock(Duration duration);

    /** A number passed from step to step. */
    record Num(int n) {
    }

    /** The payload of a step that runs after steps {@code b} and {@code c}. */
    record Join(Num b, Num c) {
    }

    @Test
    default void aChainOfThreeRunsInOrderWithEachResultPassedOn() {
        JobStorage<Num> a = flowStorage(flowQueue("a"), Num.class);
        JobStorage<Num> b = flowStorage(flowQueue("b"), Num.class);
        JobStorage<Num> c = flowStorage(flowQueue("c"), Num.class);
        Flows flows = Flows.over(a, b, c);

        String id = flows.start(Workflow.chain("three", a.queue(), new Num(1), b.queue(), c.queue()));

        FlowView started = flows.find(id).orElseThrow();
        assertThat(started.kind()).isEqualTo(FlowKind.WORKFLOW);
        assertThat(started.steps()).extracting(FlowView.Step::name, FlowView.Step::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("1", JobStatus.PENDING),
                        org.assertj.core.groups.Tuple.tuple("2", JobStatus.WAITING),
                        org.assertj.core.groups.Tuple.tuple("3", JobStatus.WAITING));
        assertThat(b.claim("w", 10)).as("the second step waits for the first").isEmpty();

        Job<Num> first = a.claim("w", 10).get(0);
        assertThat(first.payload()).isEqualTo(new Num(1));
        a.settle(List.of(new Settlement(first.context(), Outcome.done(new Num(2)))));
        assertThat(c.claim("w", 10)).as("the third step waits for the second").isEmpty();

        Job<Num> second = b.claim("w", 10).get(0);
        assertThat(second.payload()).as("the first step's result").isEqualTo(new Num(2));
        b.settle(List.of(new Settlement(second.context(), Outcome.done(new Num(3)))));

        List<Job<Num>> third = c.claim("w", 10);
        assertThat(third).extracting(Job::payload).containsExactly(new Num(3));
        c.settle(List.of(new Settlement(third.get(0).context(), Outcome.done(new Num(4)))));

        FlowView finished = flows.find(id).orElseThrow();
        assertThat(finished.isFinished()).isTrue();
        assertThat(finished.counts()).containsEntry(JobStatus.DONE, 3L);
        assertThat(c.find(finished.step("3").jobId()).orElseThrow().result()).isEqualTo("{\"n\":4}");
    }

    @Test
    default void aBatchOfAThousandCallsItsCallbackExactlyOnceWithTheSummary() throws Exception {
        JobStorage<Num> items = flowStorage(flowQueue("items"), Num.class);
        JobStorage<BatchSummary> callbacks = flowStorage(flowQueue("callbacks"), BatchSummary.class);
        Flows flows = Flows.over(items, callbacks);
        List<Num> payloads = IntStream.range(0, 1000).mapToObj(Num::new).toList();

        String batch = flows.batch("thousand", items.queue(), payloads, JobOptions.defaults().withMaxAttempts(1),
                callbacks.queue());

        // four workers claim and settle at once; every hundredth job fails on its only attempt
        List<String> failed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                String worker = "w" + w;
                runs.add(workers.submit(() -> {
                    for (List<Job<Num>> jobs = items.claim(worker, 50); !jobs.isEmpty();
                         jobs = items.claim(worker, 50)) {
                        assertThat(callbacks.claim(worker, 1)).as("no callback before the last job ends").isEmpty();
                        List<Settlement> outcomes = new ArrayList<>();
                        for (Job<Num> job : jobs) {
                            if (job.payload().n() % 100 == 7) {
                                failed.add(job.id());
                                outcomes.add(new Settlement(job.context(), Outcome.failed("boom")));
                            } else {
                                outcomes.add(new Settlement(job.context(), Outcome.done()));
                            }
                        }
                        items.settle(outcomes);
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            workers.shutdownNow();
        }

        List<Job<BatchSummary>> callback = callbacks.claim("w", 10);
        assertThat(callback).hasSize(1);
        BatchSummary summary = callback.get(0).payload();
        assertThat(summary.batchId()).isEqualTo(batch);
        assertThat(summary.failed()).containsExactlyInAnyOrderElementsOf(failed).hasSize(10);
        assertThat(summary.succeeded()).hasSize(990).doesNotContainAnyElementsOf(failed);
        assertThat(callbacks.counts()).containsEntry(JobStatus.RUNNING, 1L).containsEntry(JobStatus.PENDING, 0L)
                .containsEntry(JobStatus.WAITING, 0L);
        FlowView progress = flows.find(batch).orElseThrow();
        assertThat(progress.kind()).isEqualTo(FlowKind.BATCH);
        assertThat(progress.counts()).containsEntry(JobStatus.DONE, 990L).containsEntry(JobStatus.FAILED, 10L)
                .containsEntry(JobStatus.RUNNING, 1L);
    }

    @Test
    default void aDiamondRunsItsJoinOnceAfterBothParentsWithBothResults() {
        JobStorage<Num> a = flowStorage(flowQueue("a"), Num.class);
        JobStorage<Num> b = flowStorage(flowQueue("b"), Num.class);
        JobStorage<Num> c = flowStorage(flowQueue("c"), Num.class);
        JobStorage<Join> d = flowStorage(flowQueue("d"), Join.class);
        Flows flows = Flows.over(a, b, c, d);

        String id = flows.start(Workflow.named("diamond")
                .step("a", a.queue(), new Num(1))
                .step("b", b.queue()).after("a")
                .step("c", c.queue()).after("a")
                .step("d", d.queue()).after("b", "c")
                .build());

        Job<Num> top = a.claim("w", 1).get(0);
        a.settle(List.of(new Settlement(top.context(), Outcome.done(new Num(10)))));
        Job<Num> left = b.claim("w", 1).get(0);
        Job<Num> right = c.claim("w", 1).get(0);
        assertThat(List.of(left.payload(), right.payload())).containsOnly(new Num(10));
        b.settle(List.of(new Settlement(left.context(), Outcome.done(new Num(20)))));
        assertThat(d.claim("w", 10)).as("the join waits for its second parent").isEmpty();
        assertThat(flows.find(id).orElseThrow().step("d").status()).isEqualTo(JobStatus.WAITING);
        c.settle(List.of(new Settlement(right.context(), Outcome.done(new Num(30)))));

        List<Job<Join>> join = d.claim("w", 10);
        assertThat(join).extracting(Job::payload).containsExactly(new Join(new Num(20), new Num(30)));
        assertThat(d.claim("w", 10)).isEmpty();
        assertThat(d.counts().values().stream().mapToLong(Long::longValue).sum()).as("one join job").isEqualTo(1);
    }

    @Test
    default void aFailedParentStopsItsDescendantsUnlessAStepContinues() {
        JobStorage<Num> a = flowStorage(flowQueue("a"), Num.class);
        JobStorage<Num> b = flowStorage(flowQueue("b"), Num.class);
        JobStorage<Num> c = flowStorage(flowQueue("c"), Num.class);
        JobStorage<Num> d = flowStorage(flowQueue("d"), Num.class);
        Flows flows = Flows.over(a, b, c, d);

        String id = flows.start(Workflow.named("stops")
                .step("a", a.queue(), new Num(1))
                .step("b", b.queue()).after("a")
                .step("c", c.queue()).after("b")
                .step("cleanup", d.queue()).after("a").continueOnFailure()
                .build());
        Job<Num> first = a.claim("w", 1).get(0);
        a.settle(List.of(new Settlement(first.context(), Outcome.kill("bad input"))));

        FlowView flow = flows.find(id).orElseThrow();
        assertThat(flow.step("a").status()).isEqualTo(JobStatus.KILLED);
        assertThat(flow.step("b").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(flow.step("c").status()).as("a descendant of a stopped step").isEqualTo(JobStatus.CANCELLED);
        assertThat(b.find(flow.step("b").jobId()).orElseThrow().lastError()).contains("'a'", "KILLED");
        assertThat(b.claim("w", 10)).isEmpty();
        assertThat(c.claim("w", 10)).isEmpty();
        List<Job<Num>> cleanup = d.claim("w", 10);
        assertThat(cleanup).as("the step that continues runs, with no result of its parent").hasSize(1);
        assertThat(cleanup.get(0).payload()).isNull();
    }

    @Test
    default void cancellingAWaitingStepCancelsItsDescendantsOnly() {
        JobStorage<Num> a = flowStorage(flowQueue("a"), Num.class);
        JobStorage<Num> b = flowStorage(flowQueue("b"), Num.class);
        JobStorage<Num> c = flowStorage(flowQueue("c"), Num.class);
        Flows flows = Flows.over(a, b, c);
        String id = flows.start(Workflow.chain("cancelled", a.queue(), new Num(1), b.queue(), c.queue()));

        assertThat(b.cancel(flows.find(id).orElseThrow().step("2").jobId(), "ops", "not needed")).isTrue();

        FlowView flow = flows.find(id).orElseThrow();
        assertThat(flow.steps()).extracting(FlowView.Step::status)
                .containsExactly(JobStatus.PENDING, JobStatus.CANCELLED, JobStatus.CANCELLED);
        assertThat(c.find(flow.step("3").jobId()).orElseThrow().lastError()).contains("'2'", "CANCELLED");
        Job<Num> first = a.claim("w", 1).get(0);
        a.settle(List.of(new Settlement(first.context(), Outcome.done(new Num(2)))));
        assertThat(b.claim("w", 10)).as("a cancelled step is not released by its parent's end").isEmpty();
        assertThat(flows.find(id).orElseThrow().counts()).containsEntry(JobStatus.DONE, 1L)
                .containsEntry(JobStatus.CANCELLED, 2L);
    }

    @Test
    default void anOrphanFailedOnItsLastAttemptStopsTheStepsAfterIt() {
        JobStorage<Num> a = flowStorage(flowQueue("a"), Num.class);
        JobStorage<Num> b = flowStorage(flowQueue("b"), Num.class);
        Flows flows = Flows.over(a, b);
        String id = flows.start(Workflow.named("orphaned")
                .step("a", a.queue(), new Num(1)).options(JobOptions.defaults().withMaxAttempts(1))
                .step("b", b.queue()).after("a")
                .build());
        a.claim("gone", 1);

        advanceFlowClock(Duration.ofMillis(50));
        assertThat(a.reenqueueOrphans(Duration.ofMillis(20))).isEqualTo(1);

        FlowView flow = flows.find(id).orElseThrow();
        assertThat(flow.step("a").status()).isEqualTo(JobStatus.FAILED);
        assertThat(flow.step("b").status()).as("not left waiting for ever").isEqualTo(JobStatus.CANCELLED);
        assertThat(flow.isFinished()).isTrue();
    }

    @Test
    default void aStepWhoseParentsResultsDoNotDecodeIsKilledAndStopsTheStepsAfterIt() {
        JobStorage<Num> a = flowStorage(flowQueue("a"), Num.class);
        JobStorage<Num> b = flowStorage(flowQueue("b"), Num.class);
        JobStorage<Num> c = flowStorage(flowQueue("c"), Num.class);
        Flows flows = Flows.over(a, b, c);
        String id = flows.start(Workflow.chain("mismatch", a.queue(), new Num(1), b.queue(), c.queue()));
        Job<Num> first = a.claim("w", 1).get(0);

        a.settle(List.of(new Settlement(first.context(), Outcome.done(List.of("not", "a", "number")))));

        assertThat(b.claim("w", 10)).as("a payload that cannot be decoded never runs").isEmpty();
        FlowView flow = flows.find(id).orElseThrow();
        assertThat(flow.step("2").status()).isEqualTo(JobStatus.KILLED);
        assertThat(flow.step("3").status()).isEqualTo(JobStatus.CANCELLED);
    }
}
