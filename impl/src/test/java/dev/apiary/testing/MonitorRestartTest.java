package dev.apiary.testing;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.StorageException;
import dev.apiary.impl.monitor.DefaultMonitor;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
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
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monitor's restarts of a worker whose source keeps failing, on the manual scheduler: an hour of outage passes in
 * milliseconds and every restart's time can be read off. (In this package for the {@link ManualScheduler}.)
 */
class MonitorRestartTest {

    private static final Duration INITIAL = Duration.ofSeconds(1);
    private static final Duration LONGEST = Duration.ofSeconds(30);
    private static final int BUDGET = 10;

    private final ManualClock clock = ManualClock.startingNow();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final JobStorage<String> storage = WorkerDriver.inMemoryStorage("mail", String.class, clock);
    private final Database database = new Database(storage);
    private final List<WorkerEvent> events = new CopyOnWriteArrayList<>();
    /*
     * The engine itself reads the wall clock here, only the timers and the storage are stepped: so the failed
     * heartbeats of the stepped hour never hold claims back, and every restart claims (and crashes) again.
     */
    private final DefaultMonitor monitor = new DefaultMonitor(scheduler, scheduler);

    @AfterEach
    void stop() {
        monitor.gracePeriod(Duration.ZERO);
        scheduler.runUntilIdle();
        monitor.stop();
    }

    @Test
    void aWorkerDownForAnHourKeepsRetryingAtTheLongestBackoffAndResumesWithinOneBackoffOfItsDatabase() {
        // given a worker with the default budget (10 crashes in a row, 1 s doubling to 30 s) on a database that is down
        monitor.restartBudget(BUDGET, INITIAL, LONGEST).addListener(events::add)
                .register(WorkerBuilder.named("mail").source(database).handler(job -> Outcome.done()));
        database.up = false;
        monitor.start();

        // when the database stays away for an hour
        advance(Duration.ofHours(1));

        // then the instance is FAILING, not given up: past the budget it was restarted every 30 s all along
        WorkerSnapshot during = monitor.snapshot().get(0);
        assertThat(during.state()).isEqualTo(WorkerState.FAILING);
        assertThat(monitor.isTerminated()).as("the monitor never stops itself").isFalse();
        List<Duration> gaps = gaps(database.claims);
        assertThat(gaps.subList(0, 6)).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16), LONGEST);
        assertThat(gaps.subList(6, gaps.size())).hasSizeGreaterThan(100).containsOnly(LONGEST);
        assertThat(events).filteredOn(e -> e.kind() == WorkerEvent.Kind.FAILING).hasSize(1);

        // when the database comes back and a job is pushed
        database.up = true;
        String id = storage.push("welcome");
        Instant back = clock.instant();
        advance(LONGEST);

        // then within one backoff the instance claims again by itself and the job is done
        assertThat(monitor.snapshot().get(0).state()).isEqualTo(WorkerState.IDLE);
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(Duration.between(back, database.claims.get(database.claims.size() - 1)))
                .isLessThanOrEqualTo(LONGEST);
        assertThat(events.get(events.size() - 1).kind()).isIn(WorkerEvent.Kind.IDLE, WorkerEvent.Kind.JOB_DONE,
                WorkerEvent.Kind.ENGAGED);
        assertThat(events).extracting(WorkerEvent::kind).containsSubsequence(WorkerEvent.Kind.FAILING,
                WorkerEvent.Kind.IDLE, WorkerEvent.Kind.JOB_DONE);
    }

    @Test
    void aFailingWorkerThatRecoveredStartsItsBudgetAfresh() {
        // given a worker that went past its budget once and came back
        monitor.restartBudget(3, INITIAL, Duration.ofSeconds(4)).addListener(events::add)
                .register(WorkerBuilder.named("mail").source(database).handler(job -> Outcome.done()));
        database.up = false;
        monitor.start();
        advance(Duration.ofMinutes(1));
        assertThat(monitor.snapshot().get(0).state()).isEqualTo(WorkerState.FAILING);
        database.up = true;
        advance(Duration.ofSeconds(4));
        assertThat(monitor.snapshot().get(0).state()).isEqualTo(WorkerState.IDLE);

        // when the database goes away again
        database.up = false;
        int before = database.claims.size();
        advance(Duration.ofSeconds(5));

        // then it is restarting from the shortest backoff again (three crashes: within the budget), not failing
        assertThat(monitor.snapshot().get(0).state()).isEqualTo(WorkerState.RESTARTING);
        assertThat(gaps(database.claims.subList(before, database.claims.size())))
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    /** Moves the clock forward by {@code step}, running what falls due on the way, in order. */
    private void advance(Duration step) {
        scheduler.tick(step);
    }

    private static List<Duration> gaps(List<Instant> times) {
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add(Duration.between(times.get(i - 1), times.get(i)));
        }
        return gaps;
    }

    /** The storage behind a database that can be switched off: then every call fails as a refused connection does. */
    private final class Database implements JobSource<String> {
        private final JobStorage<String> storage;
        /** When each claim was tried, by the clock. */
        final List<Instant> claims = new CopyOnWriteArrayList<>();
        volatile boolean up = true;

        Database(JobStorage<String> storage) {
            this.storage = storage;
        }

        private void check() {
            if (!up) {
                throw new StorageException("Connection to localhost:5432 refused");
            }
        }

        @Override
        public String queue() {
            return storage.queue();
        }

        @Override
        public List<Job<String>> claim(String workerId, int max) {
            claims.add(clock.instant());
            check();
            return storage.claim(workerId, max);
        }

        @Override
        public void settle(List<Settlement> settlements) {
            check();
            storage.settle(settlements);
        }

        @Override
        public void release(String workerId, List<String> jobIds) {
            check();
            storage.release(workerId, jobIds);
        }

        @Override
        public void heartbeat(WorkerSnapshot instance) {
            check();
            storage.heartbeat(instance);
        }

        @Override
        public int reenqueueOrphans(Duration lease) {
            check();
            return storage.reenqueueOrphans(lease);
        }

        @Override
        public AutoCloseable onAvailable(Runnable wakeup) {
            return storage.onAvailable(wakeup);
        }
    }
}
