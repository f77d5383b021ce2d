package dev.apiary.impl.mq;

import dev.apiary.JobContext;
import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.Streams;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stream sources under the signals a real publisher sends: {@code onSubscribe} on its own thread, after the worker
 * has asked for items; {@code onError}; a cancel from a stopping worker; and {@code Monitor.run()} returning once
 * finite streams have ended.
 */
class PublisherSignalsTest {

    private final ExecutorService publisherThreads = Executors.newCachedThreadPool();
    private final ExecutorService runner = Executors.newSingleThreadExecutor();
    private final CountDownLatch firstClaimDone = new CountDownLatch(1);
    private final CountDownLatch publisherMayRun = new CountDownLatch(1);
    private Monitor monitor;

    @AfterEach
    void shutDown() {
        publisherMayRun.countDown();
        if (monitor != null) {
            monitor.stop();
        }
        publisherThreads.shutdownNow();
        runner.shutdownNow();
    }

    /** The publisher's executor: runs its signals on a thread of its own, once the gate opens. */
    private Executor gated() {
        return task -> publisherThreads.execute(() -> {
            try {
                publisherMayRun.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            task.run();
        });
    }

    /** The monitor's run() on a thread of the test; completes when run() returns. */
    private CompletableFuture<Void> run(JobSource<Integer> source, int concurrency,
                                        dev.apiary.JobHandler<Integer> handler) {
        monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));
        monitor.register(WorkerBuilder.named("stream").source(new WatchedSource<>(source, firstClaimDone))
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(50), Duration.ofMillis(50))))
                .concurrency(concurrency).handler(handler));
        return CompletableFuture.runAsync(() -> {
            try {
                monitor.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, runner);
    }

    @Test
    void aPublisherThatSubscribesOnAnotherThreadAfterTheFirstRequestGetsEveryItemHandled() throws Exception {
        SubmissionPublisher<Integer> publisher = new SubmissionPublisher<>(gated(), 64);
        Map<Integer, Boolean> handled = new ConcurrentHashMap<>();
        CompletableFuture<Void> run = run(Streams.source("numbers", publisher), 3, job -> {
            handled.put(job.payload(), true);
            return Outcome.done();
        });

        // the worker has subscribed and asked for its first items; only now does onSubscribe come, on its own thread
        assertThat(firstClaimDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(publisher.getNumberOfSubscribers()).isEqualTo(1);
        IntStream.range(0, 20).forEach(publisher::submit);
        publisherMayRun.countDown();
        publisher.close();

        run.get(10, TimeUnit.SECONDS);
        assertThat(handled.keySet()).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 20).boxed().toList());
        WorkerSnapshot worker = monitor.snapshot().get(0);
        assertThat(worker.state()).isEqualTo(WorkerState.STOPPED);
        assertThat(worker.done()).isEqualTo(20);
    }

    @Test
    void runReturnsOnceAFiniteStreamHasEndedAndItsItemsAreSettled() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        CompletableFuture<Void> run = run(Streams.source("numbers", IntStream.range(0, 10).boxed().iterator()), 2,
                job -> {
                    handled.incrementAndGet();
                    return Outcome.done();
                });

        run.get(10, TimeUnit.SECONDS);
        assertThat(handled).hasValue(10);
        assertThat(monitor.snapshot()).extracting(WorkerSnapshot::state).containsExactly(WorkerState.STOPPED);
    }

    @Test
    void aStreamThatFailsEndsItsWorkerOnceTheItemsItDeliveredAreSettledRetriesIncluded() throws Exception {
        SubmissionPublisher<Integer> publisher = new SubmissionPublisher<>(gated(), 64);
        publisherMayRun.countDown();
        Map<Integer, AtomicInteger> tries = new ConcurrentHashMap<>();
        CountDownLatch secondFailedOnce = new CountDownLatch(1);
        CountDownLatch othersDone = new CountDownLatch(2);
        CompletableFuture<Void> run = run(Streams.source("numbers", publisher), 3, job -> {
            int attempt = tries.computeIfAbsent(job.payload(), k -> new AtomicInteger()).incrementAndGet();
            if (job.payload() == 1 && attempt == 1) {
                secondFailedOnce.countDown();
                throw new IllegalStateException("first try of 1 fails");
            }
            if (job.payload() != 1) {
                othersDone.countDown();
            }
            return Outcome.done();
        });
        assertThat(firstClaimDone.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> publisher.getNumberOfSubscribers() == 1);
        IntStream.range(0, 3).forEach(publisher::submit);
        assertThat(secondFailedOnce.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(othersDone.await(10, TimeUnit.SECONDS)).isTrue();

        // the feed breaks while item 1 waits for its retry
        publisher.closeExceptionally(new IllegalStateException("the feed broke"));

        run.get(10, TimeUnit.SECONDS);
        assertThat(tries.get(1)).hasValue(2);
        assertThat(tries.keySet()).containsExactlyInAnyOrder(0, 1, 2);
        WorkerSnapshot worker = monitor.snapshot().get(0);
        assertThat(worker.state()).isEqualTo(WorkerState.STOPPED);
        assertThat(worker.done()).isEqualTo(3);
    }

    @Test
    void aWorkerStoppedBeforeThePublishersOnSubscribeCancelsTheSubscriptionWhenItComes() throws Exception {
        SubmissionPublisher<Integer> publisher = new SubmissionPublisher<>(gated(), 64);
        AtomicInteger handled = new AtomicInteger();
        CompletableFuture<Void> run = run(Streams.source("numbers", publisher), 2, job -> {
            handled.incrementAndGet();
            return Outcome.done();
        });
        assertThat(firstClaimDone.await(10, TimeUnit.SECONDS)).isTrue();
        IntStream.range(0, 5).forEach(publisher::submit);

        monitor.stop();
        run.get(10, TimeUnit.SECONDS);
        publisherMayRun.countDown();

        // the subscription that arrives after the stop is cancelled at once: the publisher drops its subscriber
        await().atMost(Duration.ofSeconds(10)).until(() -> publisher.getNumberOfSubscribers() == 0);
        assertThat(handled).hasValue(0);
        publisher.close();
    }

    /** A source that counts down {@code claimed} once its first claim has returned. */
    private record WatchedSource<T>(JobSource<T> source, CountDownLatch claimed) implements JobSource<T> {
        @Override
        public String queue() {
            return source.queue();
        }

        @Override
        public List<Job<T>> claim(String workerId, int max) {
            List<Job<T>> jobs = source.claim(workerId, max);
            claimed.countDown();
            return jobs;
        }

        @Override
        public void settle(List<Settlement> settlements) {
            source.settle(settlements);
        }

        @Override
        public int concurrentSettles() {
            return source.concurrentSettles();
        }

        @Override
        public void release(String workerId, List<String> jobIds) {
            source.release(workerId, jobIds);
        }

        @Override
        public boolean progress(JobContext job, int percent, String message) {
            return source.progress(job, percent, message);
        }

        @Override
        public boolean isExhausted() {
            return source.isExhausted();
        }

        @Override
        public AutoCloseable onAvailable(Runnable wakeup) {
            return source.onAvailable(wakeup);
        }

        @Override
        public void useExecutors(Executor executor, ScheduledExecutorService scheduler) {
            source.useExecutors(executor, scheduler);
        }
    }
}
