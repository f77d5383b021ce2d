package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.worker.MonitorTest.DelegatingSource;
import dev.apiary.impl.worker.MonitorTest.Email;
import dev.apiary.spi.InMemory;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.WorkerDriver;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Heartbeats and orphan recovery of a worker instance, around start-up, storage outages and stops. */
class HeartbeatTest {

    private final List<Monitor> monitors = new ArrayList<>();

    @AfterEach
    void stopMonitors() {
        monitors.forEach(Monitor::stop);
    }

    /** Counts heartbeats and recoveries; fails both (and claims) while {@link #down} is set. */
    static class WatchedSource extends DelegatingSource<Email> {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger heartbeats = new AtomicInteger();
        final AtomicInteger concurrentHeartbeats = new AtomicInteger();
        final AtomicInteger maxConcurrentHeartbeats = new AtomicInteger();
        final List<Long> recoveries = new CopyOnWriteArrayList<>();
        volatile long heartbeatMillis;
        /** Heartbeats fail while set, claims go on (a database that refuses the worker's row, say). */
        final AtomicBoolean heartbeatsFail = new AtomicBoolean();
        /** Heartbeats wait for it while set (a database that hangs). */
        volatile CountDownLatch hold;

        WatchedSource(JobStorage<Email> storage) {
            super(storage);
        }

        @Override
        public List<Job<Email>> claim(String workerId, int max) {
            if (down.get()) {
                throw new IllegalStateException("database went away");
            }
            return super.claim(workerId, max);
        }

        @Override
        public void heartbeat(String workerId) {
            int now = concurrentHeartbeats.incrementAndGet();
            maxConcurrentHeartbeats.accumulateAndGet(now, Math::max);
            try {
                if (down.get() || heartbeatsFail.get()) {
                    throw new IllegalStateException("database went away");
                }
                CountDownLatch h = hold;
                if (h != null) {
                    h.await();
                }
                if (heartbeatMillis > 0) {
                    Thread.sleep(heartbeatMillis);
                }
                heartbeats.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                concurrentHeartbeats.decrementAndGet();
            }
        }

        @Override
        public int reenqueueOrphans(Duration lease) {
            recoveries.add(System.nanoTime());
            return 0;
        }
    }

    private Monitor monitor() {
        Monitor m = Monitor.create().gracePeriod(Duration.ofSeconds(5));
        monitors.add(m);
        return m;
    }

    @Test
    void aSlowHeartbeatIsNotOverlappedByTheNext() {
        WatchedSource source = new WatchedSource(InMemory.storage("email", Email.class));
        source.heartbeatMillis = 300;
        monitor().register(WorkerBuilder.named("email").source(source).heartbeatInterval(Duration.ofMillis(20))
                .lease(Duration.ofSeconds(1)).handler(job -> Outcome.done())).start();

        await().atMost(Duration.ofSeconds(5)).until(() -> source.heartbeats.get() >= 3);

        assertThat(source.maxConcurrentHeartbeats.get()).isEqualTo(1);
    }

    @Test
    void claimsStopBeforeTheLeaseCouldLapseWhileHeartbeatsFailAndResumeWithTheFirstThatGetsThrough() {
        // given a worker with a heartbeat every second and a lease of 10 s: claims stop when the last heartbeat that
        // got through is 5.5 s old (halfway between the two)
        ManualClock clock = ManualClock.startingNow();
        JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
        WatchedSource source = new WatchedSource(storage);
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(source)
                .heartbeatInterval(Duration.ofSeconds(1)).lease(Duration.ofSeconds(10))
                .handler(job -> Outcome.done()), clock);
        assertThat(source.heartbeats.get()).isEqualTo(1);

        // when its heartbeats fail from then on, while claims still get through
        source.heartbeatsFail.set(true);
        driver.advance(Duration.ofSeconds(5));
        String early = storage.push(new Email("early"));
        driver.runUntilIdle();
        driver.advance(Duration.ofMillis(500));
        String late = storage.push(new Email("late"));
        driver.advance(Duration.ofSeconds(3));

        // then it claims while the last heartbeat is 5 s old, not once it is 5.5 s old
        assertThat(storage.find(early).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(storage.find(late).orElseThrow().status()).isEqualTo(JobStatus.PENDING);

        // and claims again at the first heartbeat that gets through
        source.heartbeatsFail.set(false);
        driver.advance(Duration.ofSeconds(1));
        assertThat(storage.find(late).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        driver.stop();
    }

    @Test
    void aFirstHeartbeatThatDoesNotGetThroughStopsClaimsAfterAWholeLease() {
        // given a worker whose heartbeats fail from its start (1 s heartbeat, 10 s lease)
        ManualClock clock = ManualClock.startingNow();
        JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
        WatchedSource source = new WatchedSource(storage);
        source.heartbeatsFail.set(true);
        WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(source)
                .heartbeatInterval(Duration.ofSeconds(1)).lease(Duration.ofSeconds(10))
                .handler(job -> Outcome.done()), clock);

        // when jobs come 9 s and 10 s after the start
        driver.advance(Duration.ofSeconds(9));
        String early = storage.push(new Email("early"));
        driver.runUntilIdle();
        driver.advance(Duration.ofSeconds(1));
        String late = storage.push(new Email("late"));
        driver.advance(Duration.ofSeconds(2));

        // then the first is claimed (a slow first heartbeat is given a lease), the second only once one gets through
        assertThat(storage.find(early).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(storage.find(late).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        source.heartbeatsFail.set(false);
        driver.advance(Duration.ofSeconds(1));
        assertThat(storage.find(late).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        driver.stop();
    }

    @Test
    void aHangingHeartbeatHoldsOneSchedulerThreadWhileOtherQueuesHeartbeatOn() throws Exception {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2);
        ExecutorService executor = Executors.newCachedThreadPool();
        CountDownLatch unblock = new CountDownLatch(1);
        try {
            // given three instances on a source whose database hangs, one on a healthy source, and a scheduler of
            // two threads
            WatchedSource hanging = new WatchedSource(InMemory.storage("slow", Email.class));
            hanging.hold = unblock;
            WatchedSource healthy = new WatchedSource(InMemory.storage("fast", Email.class));
            Monitor monitor = Monitor.create(executor, scheduler);
            monitors.add(monitor);
            monitor.register(3, i -> WorkerBuilder.named("slow").source(hanging)
                            .heartbeatInterval(Duration.ofMillis(20)).lease(Duration.ofSeconds(1))
                            .handler(job -> Outcome.done()))
                    .register(WorkerBuilder.named("fast").source(healthy).heartbeatInterval(Duration.ofMillis(20))
                            .lease(Duration.ofSeconds(1)).handler(job -> Outcome.done()))
                    .start();

            // when the first heartbeat of the hanging source hangs
            await().atMost(Duration.ofSeconds(5)).until(() -> hanging.concurrentHeartbeats.get() == 1);
            int before = healthy.heartbeats.get();

            // then the healthy source's heartbeats go on, and the hanging source holds one thread, not three
            await().atMost(Duration.ofSeconds(5)).until(() -> healthy.heartbeats.get() >= before + 20);
            assertThat(hanging.maxConcurrentHeartbeats.get()).isEqualTo(1);
        } finally {
            unblock.countDown();
            scheduler.shutdownNow();
            executor.shutdownNow();
        }
    }

    @Test
    void othersAreJudgedOnlyAfterHeartbeatingForAWholeLeaseAtStartAndAfterAnOutage() throws Exception {
        WatchedSource source = new WatchedSource(InMemory.storage("email", Email.class));
        long started = System.nanoTime();
        monitor().register(WorkerBuilder.named("email").source(source).heartbeatInterval(Duration.ofMillis(50))
                .lease(Duration.ofMillis(600)).handler(job -> Outcome.done())).start();

        await().atMost(Duration.ofSeconds(5)).until(() -> !source.recoveries.isEmpty());
        assertThat(source.recoveries.get(0) - started).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(600));

        source.down.set(true);
        Thread.sleep(300);
        source.down.set(false);
        long back = System.nanoTime();
        int before = source.recoveries.size();

        await().atMost(Duration.ofSeconds(5)).until(() -> source.recoveries.size() > before);
        assertThat(source.recoveries.get(before) - back).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(550));
    }

    @Test
    void aCrashedPollerResumesAsSoonAsItsHeartbeatGetsThrough() {
        JobStorage<Email> storage = InMemory.storage("email", Email.class);
        WatchedSource source = new WatchedSource(storage);
        source.down.set(true);
        // a restart backoff far longer than the outage: only the heartbeat can bring the poller back in time
        Monitor monitor = monitor().restartBudget(10, Duration.ofSeconds(30), Duration.ofSeconds(30));
        monitor.register(WorkerBuilder.named("email").source(source).heartbeatInterval(Duration.ofMillis(50))
                .lease(Duration.ofSeconds(1)).handler(job -> Outcome.done())).start();
        await().atMost(Duration.ofSeconds(5)).until(() -> monitor.snapshot().get(0).restarts() == 0
                && monitor.snapshot().get(0).lastError() != null);

        source.down.set(false);
        String id = storage.push(new Email("a"));

        await().atMost(Duration.ofSeconds(3)).until(() -> storage.find(id).orElseThrow().status() == JobStatus.DONE);
        assertThat(monitor.snapshot().get(0).restarts()).isEqualTo(1);
    }

    @Test
    void aStoppingWorkerHeartbeatsThroughItsGracePeriod() throws Exception {
        JobStorage<Email> storage = InMemory.storage("email", Email.class);
        WatchedSource source = new WatchedSource(storage);
        CountDownLatch running = new CountDownLatch(1);
        Monitor monitor = monitor().gracePeriod(Duration.ofSeconds(5));
        monitor.register(WorkerBuilder.named("email").source(source).heartbeatInterval(Duration.ofMillis(50))
                .lease(Duration.ofMillis(200)).handler(job -> {
                    running.countDown();
                    Thread.sleep(1_000);
                    return Outcome.done();
                })).start();
        String id = storage.push(new Email("a"));
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> stopped = CompletableFuture.runAsync(monitor::stop);
        Thread.sleep(100);
        int atStop = source.heartbeats.get();
        stopped.get(10, TimeUnit.SECONDS);

        assertThat(source.heartbeats.get() - atStop).as("heartbeats while the job finished").isGreaterThanOrEqualTo(5);
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
    }

    /** A scheduler that, once suspended, refuses to run what was scheduled on it, as WildFly's does while it stops. */
    static final class SuspendingScheduler extends ScheduledThreadPoolExecutor {
        final AtomicBoolean suspended = new AtomicBoolean();
        final List<String> refused = new CopyOnWriteArrayList<>();

        SuspendingScheduler() {
            super(2, task -> {
                Thread t = new Thread(task, "suspending-scheduler");
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            return super.schedule(guard(task), delay, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, long initialDelay, long delay, TimeUnit unit) {
            return super.scheduleWithFixedDelay(guard(task), initialDelay, delay, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return super.scheduleAtFixedRate(guard(task), initialDelay, period, unit);
        }

        private Runnable guard(Runnable task) {
            return () -> {
                if (suspended.get()) {
                    refused.add(task.toString());
                } else {
                    task.run();
                }
            };
        }
    }

    @Test
    void aStopSchedulesNothingMoreAndHeartbeatsFromTheStoppingThread() throws Exception {
        SuspendingScheduler scheduler = new SuspendingScheduler();
        ExecutorService executor = Executors.newCachedThreadPool();
        try {
            JobStorage<Email> storage = InMemory.storage("email", Email.class);
            WatchedSource source = new WatchedSource(storage);
            CountDownLatch running = new CountDownLatch(1);
            Monitor monitor = Monitor.create(executor, scheduler).gracePeriod(Duration.ofSeconds(5));
            monitors.add(monitor);
            monitor.register(WorkerBuilder.named("email").source(source).heartbeatInterval(Duration.ofMillis(50))
                    .lease(Duration.ofMillis(200)).handler(job -> {
                        running.countDown();
                        Thread.sleep(1_000);
                        return Outcome.done();
                    })).start();
            String id = storage.push(new Email("a"));
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

            // when the monitor stops, and the scheduler refuses every task from the moment the stop has begun
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(monitor::stop);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> monitor.snapshot().get(0).state() == WorkerState.STOPPING);
            scheduler.suspended.set(true);
            int atSuspension = source.heartbeats.get();
            stopped.get(10, TimeUnit.SECONDS);

            // then no heartbeat, orphan sweep or poll ran into the refusal, yet heartbeats went on and the job ended
            assertThat(scheduler.refused).as("tasks the suspended scheduler was asked to run").isEmpty();
            assertThat(source.heartbeats.get() - atSuspension).as("heartbeats while the job finished")
                    .isGreaterThanOrEqualTo(5);
            assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        } finally {
            scheduler.shutdownNow();
            executor.shutdownNow();
        }
    }

    @Test
    void aRestartWaitingOutItsBackoffDoesNotRunAfterTheStop() throws Exception {
        SuspendingScheduler scheduler = new SuspendingScheduler();
        ExecutorService executor = Executors.newCachedThreadPool();
        try {
            WatchedSource source = new WatchedSource(InMemory.storage("email", Email.class));
            source.down.set(true);
            Monitor monitor = Monitor.create(executor, scheduler).gracePeriod(Duration.ofSeconds(5))
                    .restartBudget(10, Duration.ofMillis(500), Duration.ofMillis(500));
            monitors.add(monitor);
            monitor.register(WorkerBuilder.named("email").source(source).heartbeatInterval(Duration.ofSeconds(30))
                    .lease(Duration.ZERO).handler(job -> Outcome.done())).start();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> monitor.snapshot().get(0).state() == WorkerState.RESTARTING);

            // when the monitor stops while the restart waits, and the scheduler refuses every task from then on
            monitor.stop();
            scheduler.suspended.set(true);

            // then the restart never comes due
            await().during(Duration.ofMillis(1_000)).atMost(Duration.ofSeconds(3))
                    .until(() -> scheduler.refused.isEmpty());
        } finally {
            scheduler.shutdownNow();
            executor.shutdownNow();
        }
    }
}
