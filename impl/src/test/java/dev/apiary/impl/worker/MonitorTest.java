package dev.apiary.impl.worker;

import dev.apiary.ConfigurationException;
import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.ManualMonitor;
import dev.apiary.testing.WorkerDriver;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The worker loop and the monitor, end to end on the in-memory storage. */
class MonitorTest {

    public record Email(String to) {
    }

    private final List<Monitor> monitors = new ArrayList<>();
    private final List<WorkerEvent> events = new CopyOnWriteArrayList<>();

    private Monitor monitor() {
        Monitor m = Monitor.create().addListener(events::add).gracePeriod(Duration.ofSeconds(5));
        monitors.add(m);
        return m;
    }

    @AfterEach
    void stopMonitors() {
        monitors.forEach(Monitor::stop);
    }

    private static JobStorage<Email> storage() {
        return InMemory.storage("email", Email.class);
    }

    private static void awaitStatus(JobStorage<?> storage, String id, JobStatus status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> storage.find(id).orElseThrow().status() == status);
    }

    @Test
    void aWorkerRunsPushedJobsAndSettlesThemDone() {
        JobStorage<Email> storage = storage();
        List<String> sent = new CopyOnWriteArrayList<>();
        monitor().register(WorkerBuilder.named("email").source(storage).concurrency(2)
                .handler(job -> {
                    sent.add(job.payload().to());
                    return Outcome.done();
                })).start();

        String a = storage.push(new Email("a@example.com"));
        String b = storage.push(new Email("b@example.com"));

        awaitStatus(storage, a, JobStatus.DONE);
        awaitStatus(storage, b, JobStatus.DONE);
        assertThat(sent).containsExactlyInAnyOrder("a@example.com", "b@example.com");
        assertThat(events).extracting(WorkerEvent::kind).contains(WorkerEvent.Kind.STARTED,
                WorkerEvent.Kind.ENGAGED, WorkerEvent.Kind.JOB_DONE);
    }

    @Test
    void anIdleWorkerIsWokenByAPushRatherThanItsNextPoll() throws Exception {
        ManualClock clock = ManualClock.startingNow();
        JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
        CountDownLatch ran = new CountDownLatch(1);
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(storage)
                .pollInterval(Duration.ofSeconds(20)).maxPollInterval(Duration.ofSeconds(30))
                .heartbeatInterval(Duration.ofSeconds(20)).lease(Duration.ofMinutes(1))
                .handler(job -> {
                    ran.countDown();
                    return Outcome.done();
                }), clock);
        // the first poll has found nothing; the next one is 20 s away, and the clock stands still

        storage.push(new Email("a@example.com"));
        driver.runUntilIdle();

        assertThat(ran.await(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFailingJobIsRetriedThenSucceeds() {
        JobStorage<Email> storage = storage();
        AtomicInteger tries = new AtomicInteger();
        monitor().register(WorkerBuilder.named("email").source(storage)
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(50))))
                .handler(job -> {
                    if (tries.incrementAndGet() < 3) {
                        throw new IllegalStateException("smtp down, try " + job.context().attempt());
                    }
                    return Outcome.done();
                })).start();

        String id = storage.push(new Email("a@example.com"), JobOptions.defaults().withMaxAttempts(5));

        awaitStatus(storage, id, JobStatus.DONE);
        assertThat(tries).hasValue(3);
        assertThat(storage.find(id).orElseThrow().attempts()).isEqualTo(3);
    }

    @Test
    void aJobThatFailsEveryAttemptEndsFailedWithItsLastError() {
        JobStorage<Email> storage = storage();
        AtomicInteger tries = new AtomicInteger();
        monitor().register(WorkerBuilder.named("email").source(storage)
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(5), Duration.ofMillis(20))))
                .handler(job -> {
                    tries.incrementAndGet();
                    throw new IllegalStateException("mailbox full");
                })).start();

        String id = storage.push(new Email("a@example.com"), JobOptions.defaults().withMaxAttempts(3));

        awaitStatus(storage, id, JobStatus.FAILED);
        assertThat(tries).hasValue(3);
        assertThat(storage.find(id).orElseThrow().lastError()).contains("mailbox full");
    }

    @Test
    void aKilledJobIsNeverRetried() throws InterruptedException {
        ManualClock clock = ManualClock.startingNow();
        JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
        AtomicInteger tries = new AtomicInteger();
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(storage)
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(5), Duration.ofMillis(20))))
                .handler(job -> {
                    tries.incrementAndGet();
                    return Outcome.kill("unsubscribed");
                }), clock);

        String id = storage.push(new Email("a@example.com"), JobOptions.defaults().withMaxAttempts(5));

        driver.runUntilIdle();
        awaitStatus(storage, id, JobStatus.KILLED);
        driver.advance(Duration.ofMinutes(1)); // far beyond any backoff: a retry would have run by now
        assertThat(tries).hasValue(1);
        assertThat(storage.find(id).orElseThrow().lastError()).isEqualTo("unsubscribed");
    }

    @Test
    void aHandlerThatThrowsAnErrorFailsItsJobAndTheWorkerLivesOn() {
        JobStorage<Email> storage = storage();
        monitor().register(WorkerBuilder.named("email").source(storage)
                .handler(job -> {
                    if (job.payload().to().equals("bad")) {
                        throw new OutOfMemoryError("simulated");
                    }
                    return Outcome.done();
                })).start();

        String bad = storage.push(new Email("bad"));
        String good = storage.push(new Email("good"));

        awaitStatus(storage, bad, JobStatus.FAILED);
        awaitStatus(storage, good, JobStatus.DONE);
        assertThat(storage.find(bad).orElseThrow().lastError()).contains("OutOfMemoryError: simulated");
    }

    @Test
    void aJobThatHangsPastItsTimeoutIsRetriedAndTheWorkerKeepsGoing() {
        JobStorage<Email> storage = storage();
        monitor().register(WorkerBuilder.named("email").source(storage).concurrency(1)
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(5), Duration.ofMillis(20))))
                .layer(Layers.timeout(Duration.ofMillis(100)))
                .handler(job -> {
                    if (job.payload().to().equals("hang")) {
                        new CountDownLatch(1).await();
                    }
                    return Outcome.done();
                })).start();

        String hang = storage.push(new Email("hang"), JobOptions.defaults().withMaxAttempts(2));
        String fine = storage.push(new Email("fine"));

        awaitStatus(storage, hang, JobStatus.FAILED);
        awaitStatus(storage, fine, JobStatus.DONE);
        assertThat(storage.find(hang).orElseThrow().lastError()).contains("did not finish within its timeout");
    }

    @Test
    void manyProducersAndWorkersLoseNothingAndRunNothingTwice() throws Exception {
        JobStorage<Email> storage = storage();
        int producers = 4;
        int perProducer = 5_000;
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        monitor().register(4, i -> WorkerBuilder.named("email").source(storage).concurrency(4)
                .handler(job -> {
                    runs.computeIfAbsent(job.payload().to(), k -> new AtomicInteger()).incrementAndGet();
                    return Outcome.done();
                })).start();

        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            Thread t = new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    if (i % 100 == 0) {
                        storage.pushAll(IntStream.range(i, i + 100)
                                .mapToObj(n -> new Email(producer + "-" + n)).toList(), JobOptions.defaults());
                        i += 99;
                    } else {
                        storage.push(new Email(producer + "-" + i));
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }

        int total = producers * perProducer;
        await().atMost(Duration.ofSeconds(30)).until(() -> storage.counts().get(JobStatus.DONE) == total);
        assertThat(runs).hasSize(total);
        assertThat(runs.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 0L).containsEntry(JobStatus.RUNNING, 0L);
    }

    @Test
    void gracefulShutdownLetsRunningJobsFinishAndClaimsNothingAfterTheSignal() throws Exception {
        JobStorage<Email> storage = storage();
        CountDownLatch started = new CountDownLatch(2);
        Set<String> ran = ConcurrentHashMap.newKeySet();
        Monitor monitor = monitor();
        monitor.register(WorkerBuilder.named("email").source(storage).concurrency(2)
                .handler(job -> {
                    ran.add(job.id());
                    started.countDown();
                    Thread.sleep(300);
                    return Outcome.done();
                }));
        List<String> first = storage.pushAll(List.of(new Email("a"), new Email("b")), JobOptions.defaults());
        CompletableFuture<Void> signal = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            try {
                monitor.runUntil(signal);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        runner.start();
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        signal.complete(null);
        List<String> late = storage.pushAll(List.of(new Email("c"), new Email("d")), JobOptions.defaults());
        runner.join(10_000);

        assertThat(runner.isAlive()).as("runUntil returned").isFalse();
        for (String id : first) {
            assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        }
        for (String id : late) {
            assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        }
        assertThat(ran).containsExactlyInAnyOrderElementsOf(first);
        assertThat(monitor.snapshot()).extracting(WorkerSnapshot::state).containsOnly(WorkerState.STOPPED);
    }

    @Test
    void jobsStillRunningAfterTheGracePeriodAreInterruptedAndHandedBack() {
        JobStorage<Email> storage = storage();
        CountDownLatch started = new CountDownLatch(1);
        Monitor monitor = monitor().gracePeriod(Duration.ofMillis(200));
        monitor.register(WorkerBuilder.named("email").source(storage)
                .handler(job -> {
                    started.countDown();
                    Thread.sleep(60_000);
                    return Outcome.done();
                })).start();
        String id = storage.push(new Email("slow"));
        await().atMost(Duration.ofSeconds(5)).until(() -> started.getCount() == 0);

        long start = System.nanoTime();
        monitor.stop();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        var job = storage.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.PENDING);
        assertThat(job.attempts()).as("the handed-back attempt does not count").isZero();
    }

    @Test
    void aCrashedWorkerLoopIsRestartedAfterItsBackoffAndTheRestartIsReported() {
        // given a worker whose source fails its first two claims, restarted after 20 ms doubling to 100 ms
        ManualClock clock = ManualClock.startingNow();
        JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
        AtomicInteger failuresLeft = new AtomicInteger(2);
        List<Instant> claims = new CopyOnWriteArrayList<>();
        JobSource<Email> flaky = new DelegatingSource<>(storage) {
            @Override
            public List<Job<Email>> claim(String workerId, int max) {
                claims.add(clock.instant());
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("database went away");
                }
                return super.claim(workerId, max);
            }
        };
        ManualMonitor monitor = ManualMonitor.on(clock);
        monitor.monitor().restartBudget(5, Duration.ofMillis(20), Duration.ofMillis(100));
        String id = storage.push(new Email("a"));
        Instant start = clock.instant();

        // when it starts and 100 ms pass
        monitor.register(WorkerBuilder.named("email").source(flaky).handler(job -> Outcome.done())).start();
        monitor.tick(Duration.ofMillis(100));

        // then it was restarted 20 ms after the first crash and 40 ms after the second, and ran the job
        assertThat(claims).extracting(at -> Duration.between(start, at).toMillis()).startsWith(0L, 20L, 60L);
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        List<WorkerEvent> events = monitor.events();
        assertThat(events).filteredOn(e -> e.kind() == WorkerEvent.Kind.RESTARTED).hasSize(2);
        assertThat(events).filteredOn(e -> e.kind() == WorkerEvent.Kind.ERROR)
                .allSatisfy(e -> assertThat(e.error()).hasMessage("database went away"));
        WorkerSnapshot snapshot = monitor.snapshot().get(0);
        assertThat(snapshot.restarts()).isEqualTo(2);
        assertThat(snapshot.lastError()).contains("database went away");
        monitor.stop();
    }

    @Test
    void aWorkerThatKeepsCrashingIsReportedFailingAfterItsBudgetAndKeepsBeingRestarted() {
        // given a worker whose source always fails, with a budget of two restarts (10 ms doubling to 20 ms)
        ManualClock clock = ManualClock.startingNow();
        JobSource<Email> broken = new DelegatingSource<>(WorkerDriver.inMemoryStorage("email", Email.class, clock)) {
            @Override
            public List<Job<Email>> claim(String workerId, int max) {
                throw new IllegalStateException("schema missing");
            }
        };
        ManualMonitor monitor = ManualMonitor.on(clock);
        monitor.monitor().restartBudget(2, Duration.ofMillis(10), Duration.ofMillis(20));
        monitor.register(WorkerBuilder.named("email").source(broken).handler(job -> Outcome.done())).start();

        // when a second passes
        monitor.tick(Duration.ofSeconds(1));

        // then it is FAILING, said so once, and was restarted every 20 ms all along
        assertThat(monitor.snapshot().get(0).state()).isEqualTo(WorkerState.FAILING);
        assertThat(monitor.events()).filteredOn(e -> e.kind() == WorkerEvent.Kind.FAILING).hasSize(1);
        assertThat(monitor.events()).filteredOn(e -> e.kind() == WorkerEvent.Kind.RESTARTED)
                .hasSizeGreaterThanOrEqualTo(45);
        monitor.stop();
    }

    @Test
    void aJobScheduledForLaterRunsWhenDueAfterABusyPeriod() {
        // given two instances, a job due in 700 ms and a backlog of jobs due now
        ManualClock clock = ManualClock.startingNow();
        JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
        ManualMonitor monitor = ManualMonitor.on(clock).register(2, i -> WorkerBuilder.named("email")
                .source(storage).concurrency(4).prefetch(4).pollInterval(Duration.ofMillis(20))
                .maxPollInterval(Duration.ofMillis(200)).handler(job -> Outcome.done())).start();
        String later = storage.push(new Email("later"), JobOptions.defaults().withDelay(Duration.ofMillis(700)));
        storage.pushAll(IntStream.range(0, 2_000).mapToObj(i -> new Email("now" + i)).toList(),
                JobOptions.defaults());

        // when the backlog is worked off, the job is not yet due
        monitor.runUntilIdle();
        assertThat(storage.counts().get(JobStatus.DONE)).isEqualTo(2_000L);
        assertThat(storage.find(later).orElseThrow().status()).isEqualTo(JobStatus.PENDING);

        // then nothing pushes when it falls due: only the idle poll finds it, within the longest poll interval
        monitor.tick(Duration.ofMillis(900));
        assertThat(storage.find(later).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(storage.counts().get(JobStatus.DONE)).isEqualTo(2_001L);
        monitor.stop();
    }

    @Test
    void prefetchedJobsAreHandedBackAtOnceOnStop() throws Exception {
        JobStorage<Email> storage = storage();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Monitor monitor = monitor();
        monitor.register(WorkerBuilder.named("email").source(storage).concurrency(1).prefetch(3)
                .handler(job -> {
                    started.countDown();
                    release.await();
                    return Outcome.done();
                })).start();
        List<String> ids = storage.pushAll(IntStream.range(0, 4).mapToObj(i -> new Email("x" + i)).toList(),
                JobOptions.defaults());
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> storage.counts().get(JobStatus.RUNNING) == 4);

        Thread stopper = new Thread(monitor::stop);
        stopper.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> storage.counts().get(JobStatus.PENDING) == 3);
        release.countDown();
        stopper.join(10_000);

        assertThat(storage.counts()).containsEntry(JobStatus.DONE, 1L).containsEntry(JobStatus.PENDING, 3L);
        assertThat(ids.stream().map(id -> storage.find(id).orElseThrow().attempts()).toList())
                .as("handed-back jobs keep their attempt budget").containsOnly(0, 1);
    }

    @Test
    void runGoesOnWhileEveryWorkerIsFailingAndTheWorkersComeBack() throws Exception {
        JobStorage<Email> storage = storage();
        AtomicBoolean down = new AtomicBoolean(true);
        JobSource<Email> flaky = new DelegatingSource<>(storage) {
            @Override
            public List<Job<Email>> claim(String workerId, int max) {
                if (down.get()) {
                    throw new IllegalStateException("database went away");
                }
                return super.claim(workerId, max);
            }
        };
        Monitor monitor = monitor().restartBudget(1, Duration.ofMillis(10), Duration.ofMillis(10));
        monitor.register(WorkerBuilder.named("email").source(flaky).handler(job -> Outcome.done()));
        Thread runner = new Thread(() -> {
            try {
                monitor.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        runner.start();
        await().atMost(Duration.ofSeconds(5)).until(
                () -> monitor.snapshot().get(0).state() == WorkerState.FAILING);
        down.set(false);
        String id = storage.push(new Email("a"));

        awaitStatus(storage, id, JobStatus.DONE);
        assertThat(runner.isAlive()).as("run() goes on: nothing stopped the monitor").isTrue();
        monitor.stop();
        runner.join(10_000);
        assertThat(runner.isAlive()).isFalse();
    }

    @Test
    void severalInstancesOfAWorkerShareTheQueue() {
        JobStorage<Email> storage = storage();
        Set<String> instances = ConcurrentHashMap.newKeySet();
        Monitor monitor = monitor();
        monitor.register(3, i -> WorkerBuilder.named("email").source(storage)
                .handler(job -> {
                    instances.add(job.context().workerId());
                    Thread.sleep(20);
                    return Outcome.done();
                })).start();

        storage.pushAll(IntStream.range(0, 30).mapToObj(i -> new Email("x" + i)).toList(), JobOptions.defaults());

        await().atMost(Duration.ofSeconds(10)).until(() -> storage.counts().get(JobStatus.DONE) == 30);
        assertThat(monitor.snapshot()).hasSize(3).extracting(WorkerSnapshot::instanceId).doesNotHaveDuplicates();
        assertThat(instances).hasSizeGreaterThan(1);
        assertThat(monitor.snapshot().stream().mapToLong(WorkerSnapshot::done).sum()).isEqualTo(30);
    }

    @Test
    void workerDataReachesTheHandler() {
        JobStorage<Email> storage = storage();
        record Signature(String text) {
        }
        List<String> bodies = new CopyOnWriteArrayList<>();
        monitor().register(WorkerBuilder.named("email").source(storage).data(Signature.class, new Signature("-- Apiary"))
                .handler(job -> {
                    bodies.add(job.payload().to() + " " + job.data(Signature.class).text());
                    return Outcome.done();
                })).start();

        awaitStatus(storage, storage.push(new Email("a")), JobStatus.DONE);
        assertThat(bodies).containsExactly("a -- Apiary");
    }

    @Test
    void theBuilderNamesWhatIsMissing() {
        assertThatThrownBy(() -> WorkerBuilder.named("email").handler(job -> Outcome.done()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("Worker 'email' has no source");
        assertThatThrownBy(() -> WorkerBuilder.named("email").concurrency(0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("concurrency must be at least 1");
        assertThatThrownBy(() -> WorkerBuilder.named(" "))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("non-blank name");
        assertThatThrownBy(() -> WorkerBuilder.named("email").source(storage())
                .heartbeatInterval(Duration.ofSeconds(30)).lease(Duration.ofSeconds(10)).handler(job -> null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lease");
    }

    @Test
    void twoWorkersWithOneNameAreRejectedAtStart() {
        Monitor monitor = monitor()
                .register(WorkerBuilder.named("email").source(storage()).handler(job -> null))
                .register(WorkerBuilder.named("email").source(storage()).handler(job -> null));

        assertThatThrownBy(monitor::start).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("Two workers are named 'email'");
    }

    /** A source that forwards to another, for fault injection. */
    static class DelegatingSource<T> implements JobSource<T> {
        private final JobSource<T> delegate;

        DelegatingSource(JobSource<T> delegate) {
            this.delegate = delegate;
        }

        @Override
        public String queue() {
            return delegate.queue();
        }

        @Override
        public List<Job<T>> claim(String workerId, int max) {
            return delegate.claim(workerId, max);
        }

        @Override
        public void settle(List<Settlement> settlements) {
            delegate.settle(settlements);
        }

        @Override
        public void release(String workerId, List<String> jobIds) {
            delegate.release(workerId, jobIds);
        }

        @Override
        public AutoCloseable onAvailable(Runnable wakeup) {
            return delegate.onAvailable(wakeup);
        }
    }
}
