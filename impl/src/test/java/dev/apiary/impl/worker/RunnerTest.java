package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.impl.layer.LayerChain;
import dev.apiary.impl.worker.MonitorTest.Email;
import dev.apiary.spi.Settlement;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A runner alone, on the manual scheduler: it runs buffered jobs through the layers and hands their outcomes on. */
class RunnerTest {

    /** Records what the runner reports and asks; keeps the settlements it hands in. */
    static final class Calls implements Runner.Callbacks<Email> {
        final List<String> recorded = new CopyOnWriteArrayList<>();
        final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        final List<Integer> chunks = new CopyOnWriteArrayList<>();
        final List<Settlement> handedIn = new CopyOnWriteArrayList<>();
        final AtomicInteger claimsAhead = new AtomicInteger();
        /** Jobs the next claim ahead brings, as a poller would. */
        volatile Runnable onClaimAhead = () -> { };
        volatile boolean stopping;

        @Override
        public boolean stopping() {
            return stopping;
        }

        @Override
        public void record(Job<Email> job, Outcome outcome, List<Settlement> list) {
            recorded.add(job.payload().to());
            outcomes.add(outcome);
            list.add(new Settlement(job.context(), outcome));
        }

        @Override
        public void chunkDone(List<Settlement> list, int ran) {
            handedIn.addAll(list);
            list.clear();
            chunks.add(ran);
        }

        @Override
        public void claimAhead() {
            claimsAhead.incrementAndGet();
            Runnable r = onClaimAhead;
            onClaimAhead = () -> { };
            r.run();
        }

        @Override
        public boolean claimUnderWay() {
            return false;
        }
    }

    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final StageFixture<Email> stage = new StageFixture<>("email", Email.class, s -> s,
            worker -> worker.concurrency(1).prefetch(10), job -> {
                handled.add(job.payload().to());
                if (job.payload().to().startsWith("bad")) {
                    throw new StackOverflowError("deep recursion in " + job.payload().to());
                }
                return Outcome.done();
            });
    private final ClaimBuffer<Email> buffer = stage.buffer();
    private final Calls calls = new Calls();
    private final Runner<Email> runner = new Runner<>(stage.context, buffer,
            new LayerChain<>(stage.definition.layers(), stage.definition.handler()), calls);

    @Test
    void anActivatedRunnerRunsEveryBufferedJobInOrderHandsInTheOutcomesAndGivesItsThreadBack() {
        // given three claimed jobs in the buffer
        for (String to : List.of("a", "b", "c")) {
            stage.storage.push(new Email(to));
        }
        stage.claimInto(buffer, 3);

        // when the runner is activated and its task runs
        runner.activate();
        runner.activate();
        int tasks = stage.scheduler.runUntilIdle();

        // then one task ran them all, in order, and handed in every outcome with the count of jobs it ran
        assertThat(tasks).as("a second activation while active starts no second task").isEqualTo(1);
        assertThat(handled).containsExactly("a", "b", "c");
        assertThat(calls.recorded).containsExactly("a", "b", "c");
        assertThat(calls.handedIn).hasSize(3);
        assertThat(calls.chunks.stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
        assertThat(calls.claimsAhead.get()).as("it asked for more as the buffer ran low").isPositive();
        assertThat(buffer.isEmpty()).isTrue();
    }

    @Test
    void jobsAClaimAheadBringsAreRunByTheSameTask() {
        // given one buffered job, and a claim ahead that brings two more
        stage.storage.push(new Email("first"));
        stage.storage.push(new Email("second"));
        stage.storage.push(new Email("third"));
        stage.claimInto(buffer, 1);
        calls.onClaimAhead = () -> stage.claimInto(buffer, 2);

        // when the runner runs
        runner.activate();
        int tasks = stage.scheduler.runUntilIdle();

        // then its one task ran all three
        assertThat(tasks).isEqualTo(1);
        assertThat(handled).containsExactly("first", "second", "third");
    }

    @Test
    void whateverTheHandlerThrowsFailsItsJobNeverTheRunner() {
        // given a job whose handler throws an Error, and a good one behind it
        stage.storage.push(new Email("bad"));
        stage.storage.push(new Email("good"));
        stage.claimInto(buffer, 2);

        // when the runner runs
        runner.activate();
        stage.scheduler.runUntilIdle();

        // then the first ended failed with the error, and the runner went on to the second
        assertThat(calls.recorded).containsExactly("bad", "good");
        assertThat(calls.outcomes.get(0)).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) calls.outcomes.get(0)).error()).contains("deep recursion in bad");
        assertThat(calls.outcomes.get(1)).isEqualTo(Outcome.done());
    }

    @Test
    void aStopHandsBackTheJobsARunnerTookButHasNotStarted() {
        // given a runner of a worker with one slot that took a chunk of jobs
        StageFixture<Email> wide = new StageFixture<>("email", Email.class, s -> s,
                worker -> worker.concurrency(1).prefetch(40), job -> Outcome.done());
        ClaimBuffer<Email> wideBuffer = wide.buffer();
        for (int i = 0; i < 8; i++) {
            wide.storage.push(new Email("to-" + i));
        }
        wide.claimInto(wideBuffer, 8);
        List<String> ids = new ArrayList<>();
        Calls stopping = new Calls();
        Runner<Email> taken = new Runner<>(wide.context, wideBuffer,
                new LayerChain<>(wide.definition.layers(), job -> {
                    // the stop comes while the first job runs
                    stopping.stopping = true;
                    return Outcome.done();
                }), stopping);

        // when it runs and the instance stops during its first job
        taken.activate();
        wide.scheduler.runUntilIdle();
        taken.handBackChunk(ids);

        // then it started nothing of its chunk after the stop, and hands back the rest of the chunk
        assertThat(stopping.handedIn).hasSize(1);
        assertThat(ids).hasSize(7);
        assertThat(countBuffered(wideBuffer)).isZero();
    }

    private static int countBuffered(ClaimBuffer<Email> buffer) {
        int n = 0;
        while (buffer.take(null) != null) {
            n++;
        }
        return n;
    }
}
