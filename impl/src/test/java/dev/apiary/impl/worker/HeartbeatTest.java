package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.worker.MonitorTest.DelegatingSource;
import dev.apiary.impl.worker.MonitorTest.Email;
import dev.apiary.spi.InMemory;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.ManualMonitor;
import dev.apiary.testing.WorkerDriver;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
        /** When the orphan sweep ran, by {@link #clock}. */
        final List<Instant> recoveries = new CopyOnWriteArrayList<>();
        volatile Clock clock = Clock.systemUTC();
        volatile long heartbeatMillis;
        /** Heartbeats fail while set, claims go on (a database that refuses the worker's row, say). */
        final AtomicBoolean heartbeatsFail = new AtomicBoolean();
        /** Heartbeats wait for it while set (a database that hangs). */
        volatile CountDownLatch hold;
        /** Runs inside the next heartbeat, then is cleared (a hang on the manual clock). */
        volatile Runnable duringNextHeartbeat;

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
                Runnable during = duringNextHeartbeat;
                if (during != null) {
                    duringNextHeartbeat = null;
                    during.run();
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
            recoveries.add(clock.instant());
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
    void othersAreJudgedOnlyAfterHeartbeatingForAWholeLeaseAtStartAndAfterAnOutage() {
        // given a worker heartbeating every 50 ms with a lease of 600 ms, on a manual monitor
        ManualClock clock = ManualClock.startingNow();
        WatchedSource source = new WatchedSource(WorkerDriver.inMemoryStorage("email", Email.class, clock));
        source.clock = clock;
        Instant started = clock.instant();
        ManualMonitor monitor = ManualMonitor.on(clock).register(WorkerBuilder.named("email").source(source)
                .heartbeatInterval(Duration.ofMillis(50)).lease(Duration.ofMillis(600))
                .handler(job -> Outcome.done())).start();

        // when a second passes: the first sweep comes only once its heartbeats have got through for a whole lease
        monitor.tick(Duration.ofSeconds(1));
        assertThat(source.recoveries).isNotEmpty();
        assertThat(Duration.between(started, source.recoveries.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(600))
                .isLessThan(Duration.ofMillis(700));

        // when the storage is away for 300 ms and comes back
        source.down.set(true);
        monitor.tick(Duration.ofMillis(300));
        source.down.set(false);
        Instant back = clock.instant();
        int before = source.recoveries.size();
        monitor.tick(Duration.ofSeconds(1));

        // then no sweep ran until heartbeats had got through for a whole lease again
        assertThat(source.recoveries.size()).isGreaterThan(before);
        assertThat(Duration.between(back, source.recoveries.get(before))).isGreaterThanOrEqualTo(Duration.ofMillis(550));
        monitor.stop();
    }

    @Test
    void aCrashedPollerResumesAsSoonAsItsHeartbeatGetsThrough() {
        // given a worker whose storage is down, with a restart backoff far longer than the outage
        ManualClock clock = ManualClock.startingNow();
        JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
        WatchedSource source = new WatchedSource(storage);
        source.down.set(true);
        ManualMonitor monitor = ManualMonitor.on(clock);
        monitor.monitor().restartBudget(10, Duration.ofSeconds(30), Duration.ofSeconds(30));
        monitor.register(WorkerBuilder.named("email").source(source).heartbeatInterval(Duration.ofMillis(50))
                .lease(Duration.ofSeconds(1)).handler(job -> Outcome.done())).start();
        assertThat(monitor.snapshot().get(0).restarts()).isZero();
        assertThat(monitor.snapshot().get(0).lastError()).isNotNull();

        // when the storage comes back and a job is pushed
        source.down.set(false);
        String id = storage.push(new Email("a"));
        monitor.tick(Duration.ofMillis(50));

        // then the next heartbeat, 50 ms later and not the 30 s backoff, restarted the poller, which ran the job
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(monitor.snapshot().get(0).restarts()).isEqualTo(1);
        monitor.stop();
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

    /** The heartbeat stage alone, with fake callbacks, on the manual scheduler and a real in-memory storage. */
    @Nested
    class Alone {

        private WatchedSource source;
        private final StageFixture<Email> stage = new StageFixture<>("email", Email.class,
                s -> source = new WatchedSource((JobStorage<Email>) s),
                worker -> worker.heartbeatInterval(Duration.ofSeconds(1)).lease(Duration.ofSeconds(10)),
                job -> Outcome.done());
        private final AtomicInteger backs = new AtomicInteger();
        private final Heartbeat<Email> heartbeat = new Heartbeat<>(stage.context, new HeartbeatLane(),
                new Heartbeat.Callbacks() {
                    @Override
                    public WorkerSnapshot snapshot() {
                        return new WorkerSnapshot("stage", StageFixture.INSTANCE, "email", WorkerState.IDLE, 0, 0, 0,
                                0, 0, null, null);
                    }

                    @Override
                    public void heartbeatsBack() {
                        backs.incrementAndGet();
                    }
                });

        @Test
        void itHeartbeatsAtTheStartAndThenEveryIntervalOnTheScheduler() {
            // when the heartbeat starts and five intervals pass
            heartbeat.start();
            stage.scheduler.runUntilIdle();
            assertThat(source.heartbeats.get()).isEqualTo(1);
            stage.scheduler.tick(Duration.ofSeconds(5));

            // then it beat once more per interval
            assertThat(source.heartbeats.get()).isEqualTo(6);
            assertThat(heartbeat.overdue()).isNull();
        }

        @Test
        void claimsMustStopOnceTheLastHeartbeatThroughIsPastTheClaimWindowAndMayAgainAtTheNext() {
            // given heartbeats every second and a lease of 10 s: the claim window is 5.5 s
            heartbeat.start();
            stage.scheduler.runUntilIdle();

            // when heartbeats fail from then on
            source.heartbeatsFail.set(true);
            stage.scheduler.tick(Duration.ofMillis(5_499));
            assertThat(heartbeat.overdue()).isNull();
            stage.scheduler.tick(Duration.ofMillis(1));

            // then claims must stop, and the failure is on record
            assertThat(heartbeat.overdue()).isEqualTo(Duration.ofMillis(5_500));
            assertThat(stage.stats.lastError).startsWith("Heartbeat failed");

            // and the next heartbeat that gets through lifts it, and tells the instance once
            source.heartbeatsFail.set(false);
            stage.scheduler.tick(Duration.ofSeconds(1));
            assertThat(heartbeat.overdue()).isNull();
            assertThat(backs.get()).isEqualTo(1);
        }

        @Test
        void aHeartbeatThatGetsThroughOnlyAfterWaitingOutAHangStartsTheUnbrokenRunOver() {
            // given a heartbeat that vouches for the storage after a whole lease of heartbeats
            Duration lease = Duration.ofSeconds(10);
            heartbeat.start();
            stage.scheduler.tick(Duration.ofSeconds(10));
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isTrue();

            // when one heartbeat waits 30 s on a hung connection and then gets through without failing: the row it
            // wrote says the time it began, 30 s ago, so this node's own jobs look orphaned to a sweep right now
            source.duringNextHeartbeat = () -> stage.clock.advance(Duration.ofSeconds(30));
            stage.scheduler.tick(Duration.ofSeconds(1));
            assertThat(source.duringNextHeartbeat).as("the hung heartbeat ran").isNull();

            // then the node does not vouch for the storage until heartbeats have got through on time for a lease
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isFalse();
            stage.scheduler.tick(Duration.ofSeconds(9));
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isFalse();
            stage.scheduler.tick(Duration.ofSeconds(2));
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isTrue();
        }

        @Test
        void itVouchesForTheStorageOnlyAfterAWholeUnbrokenLease() {
            Duration lease = Duration.ofSeconds(10);
            heartbeat.start();
            stage.scheduler.tick(Duration.ofSeconds(9));
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isFalse();
            stage.scheduler.tick(Duration.ofSeconds(1));
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isTrue();

            // a failed heartbeat breaks the run; it starts over at the next that gets through
            source.heartbeatsFail.set(true);
            stage.scheduler.tick(Duration.ofSeconds(1));
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isFalse();
            source.heartbeatsFail.set(false);
            stage.scheduler.tick(Duration.ofSeconds(10));
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).as("9 s since the first through")
                    .isFalse();
            stage.scheduler.tick(Duration.ofSeconds(1));
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isTrue();

            // and a stopped heartbeat vouches for nothing
            heartbeat.stop();
            assertThat(heartbeat.unbrokenFor(lease, stage.clock.nanoTime())).isFalse();
        }

        @Test
        void aStopTakesItOffTheSchedulerAndTheStoppingThreadBeatsWhenOneIsDue() {
            heartbeat.start();
            stage.scheduler.runUntilIdle();
            heartbeat.stopSchedule();
            stage.scheduler.tick(Duration.ofSeconds(3));
            assertThat(source.heartbeats.get()).isEqualTo(1);

            heartbeat.beatIfDue();
            assertThat(source.heartbeats.get()).isEqualTo(2);
            heartbeat.beatIfDue();
            assertThat(source.heartbeats.get()).as("not due again yet").isEqualTo(2);
        }
    }
}
