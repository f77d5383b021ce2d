package dev.apiary.impl.worker;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.storage.SwitchableStorage;
import dev.apiary.spi.JobStorage;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.ManualScheduler;
import dev.apiary.testing.WorkerDriver;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The orphan sweep alone, on a real in-memory storage and the manual scheduler: it takes back the jobs of a worker
 * that stopped heartbeating, at its heartbeat interval, and only while one of this node's instances has heartbeat
 * without a break for a whole lease.
 */
class OrphanSweepTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final ManualClock clock = ManualClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final JobStorage<String> storage = WorkerDriver.inMemoryStorage("mail", String.class, clock);

    /** A witness of this node on {@code storage}, whose heartbeat is unbroken when {@code beating} says so. */
    private OrphanSweep.Witness witness(JobStorage<String> source, Duration lease, AtomicBoolean beating) {
        WorkerDefinition<String> definition = (WorkerDefinition<String>) WorkerBuilder.named("mail").source(source)
                .heartbeatInterval(INTERVAL).lease(lease).handler(job -> Outcome.done());
        return new OrphanSweep.Witness() {
            @Override
            public WorkerDefinition<?> definition() {
                return definition;
            }

            @Override
            public boolean heartbeatUnbrokenFor(Duration l, long now) {
                return beating.get();
            }
        };
    }

    /** Pushes a job and has a worker of another node claim it and heartbeat once, now. */
    private String claimedByADeadNode() {
        String id = storage.push("hello");
        assertThat(storage.claim("other-node-0", 1)).hasSize(1);
        storage.heartbeat("other-node-0");
        return id;
    }

    @Test
    void aSilentWorkersJobIsPutBackAtTheFirstSweepPastItsLease() {
        String id = claimedByADeadNode();
        OrphanSweep sweep = new OrphanSweep(List.of(witness(storage, LEASE, new AtomicBoolean(true))), scheduler,
                clock);
        sweep.start();

        scheduler.tick(LEASE);       // sweeps at 10, 20 and 30 s: the other worker's heartbeat is not older yet
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

        scheduler.tick(INTERVAL);    // 40 s: 40 s of silence, past the lease
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        sweep.stop();
    }

    @Test
    void nothingIsTakenBackWhileNoInstanceOfThisNodeHasHeartbeatForAWholeLease() {
        String id = claimedByADeadNode();
        AtomicBoolean beating = new AtomicBoolean(false);
        OrphanSweep sweep = new OrphanSweep(List.of(witness(storage, LEASE, beating)), scheduler, clock);
        sweep.start();

        // right after start-up or an outage every other worker looks silent too: judging them now would run their
        // jobs twice
        scheduler.tick(LEASE.multipliedBy(3));
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

        beating.set(true);
        scheduler.tick(INTERVAL);
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        sweep.stop();
    }

    @Test
    void aSweepThatFailsKeepsItsScheduleAndTheNextOneTakesTheJobsBack() {
        String id = claimedByADeadNode();
        SwitchableStorage<String> failingOnce = new SwitchableStorage<>(storage);
        failingOnce.reachable(false);
        OrphanSweep sweep = new OrphanSweep(List.of(witness(failingOnce, LEASE, new AtomicBoolean(true))), scheduler,
                clock);
        clock.advance(LEASE.plus(INTERVAL));
        sweep.start();

        scheduler.tick(INTERVAL);    // the database is away: the sweep fails
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

        failingOnce.reachable(true);
        scheduler.tick(INTERVAL);
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        sweep.stop();
    }

    @Test
    void oneSweepForEachSourceAndLeaseAndNoneForAWorkerWithoutLease() {
        JobStorage<String> other = WorkerDriver.inMemoryStorage("sms", String.class, clock);
        AtomicBoolean beating = new AtomicBoolean(true);
        OrphanSweep sweep = new OrphanSweep(List.of(witness(storage, LEASE, beating), witness(storage, LEASE, beating),
                witness(storage, LEASE.multipliedBy(2), beating), witness(other, LEASE, beating),
                witness(other, Duration.ZERO, beating)), scheduler, clock);

        assertThat(sweep.groups()).isEqualTo(3);
    }

    @Test
    void aStoppedSweepRunsNoMore() {
        String id = claimedByADeadNode();
        OrphanSweep sweep = new OrphanSweep(List.of(witness(storage, LEASE, new AtomicBoolean(true))), scheduler,
                clock);
        sweep.start();
        sweep.stop();

        scheduler.tick(LEASE.multipliedBy(3));
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
    }
}
