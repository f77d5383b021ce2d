package dev.apiary.testing;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.StorageException;
import dev.apiary.schedule.Schedule;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The manual monitor kit: several workers, a node that died, a recurring schedule, all stepped on one clock. */
class ManualMonitorTest {

    public record Mail(String to) {
    }

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final Duration LEASE = Duration.ofSeconds(10);

    private final ManualClock clock = ManualClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    private final JobStorage<Mail> mail = WorkerDriver.inMemoryStorage("mail", Mail.class, clock);
    private final JobStorage<Mail> digests = WorkerDriver.inMemoryStorage("digests", Mail.class, clock);
    private final List<String> sent = new CopyOnWriteArrayList<>();

    private WorkerBuilder<Mail> worker(String name, JobStorage<Mail> storage) {
        return WorkerBuilder.named(name).source(storage).heartbeatInterval(HEARTBEAT).lease(LEASE);
    }

    @Test
    void severalWorkersRunTheirJobsWhenTheTestStepsTime() {
        // given two workers of two instances each on two queues
        ManualMonitor monitor = ManualMonitor.on(clock)
                .register(2, i -> worker("mail", mail).handler(job -> {
                    sent.add(job.payload().to());
                    return Outcome.done();
                }))
                .register(worker("digests", digests).handler(job -> {
                    sent.add("digest for " + job.payload().to());
                    return Outcome.done();
                }))
                .start();
        assertThat(monitor.snapshot()).hasSize(3).allSatisfy(s -> assertThat(s.state()).isEqualTo(WorkerState.IDLE));

        // when jobs are pushed and a second passes
        mail.push(new Mail("a"));
        mail.push(new Mail("b"));
        digests.push(new Mail("c"));
        monitor.tick(Duration.ofSeconds(1));

        // then every job ran, and each instance heartbeat at this very instant
        assertThat(sent).containsExactlyInAnyOrder("a", "b", "digest for c");
        assertThat(mail.workers()).hasSize(2).allSatisfy(w -> assertThat(w.lastSeen()).isEqualTo(clock.instant()));
        assertThat(monitor.events()).extracting(WorkerEvent::kind).contains(WorkerEvent.Kind.JOB_DONE);
        monitor.stop();
        assertThat(monitor.snapshot()).allSatisfy(s -> assertThat(s.state()).isEqualTo(WorkerState.STOPPED));
    }

    @Test
    void theOrphanSweepTakesBackTheJobsOfANodeThatDiedOnceItsLeaseHasPassed() {
        // given a job claimed by a node that then died (it never heartbeats again), and a live node's worker
        String orphan = mail.push(new Mail("orphan"));
        assertThat(mail.claim("dead-node-0-1", 1)).hasSize(1);
        ManualMonitor monitor = ManualMonitor.on(clock).register(worker("mail", mail).handler(job -> {
            sent.add(job.payload().to());
            return Outcome.done();
        })).start();

        // when less than a lease has passed, a sweep on demand takes back nothing
        monitor.tick(LEASE.minusSeconds(1));
        monitor.runOrphanSweep();
        assertThat(mail.find(orphan).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

        // then once the lease has passed (and this node has heartbeat for a whole lease) the job goes back and runs
        monitor.tick(Duration.ofSeconds(2));
        monitor.runOrphanSweep();
        monitor.tick(Duration.ofSeconds(1));
        assertThat(mail.find(orphan).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(sent).containsExactly("orphan");
        monitor.stop();
    }

    @Test
    void aRecurringScheduleFiresOncePerFireAsTheClockPassesIt() {
        // given a schedule every minute and a worker for its jobs
        ManualMonitor monitor = ManualMonitor.on(clock)
                .register(worker("digests", digests).handler(job -> {
                    sent.add(job.context().metadata().get("apiary.fire"));
                    return Outcome.done();
                }))
                .schedule(Schedule.cron("digest", "0 * * * * *"), digests, () -> new Mail("team"))
                .start();

        // when three minutes pass
        monitor.tick(Duration.ofMinutes(3).plusSeconds(1));

        // then it fired at each whole minute, once
        assertThat(sent).containsExactly("2030-01-01T00:01:00Z", "2030-01-01T00:02:00Z", "2030-01-01T00:03:00Z");
        monitor.stop();
    }

    @Test
    void anInstanceShowsLostOnceSilentForItsLeaseAndStoppedAtOnceWhenItStops() {
        // given two instances heartbeating with a lease of ten seconds
        ManualMonitor monitor = ManualMonitor.on(clock)
                .register(2, i -> worker("mail", mail).handler(job -> Outcome.done())).start();
        assertThat(mail.workers()).hasSize(2).allSatisfy(w -> {
            assertThat(w.status()).isEqualTo("IDLE");
            assertThat(w.lease()).isEqualTo(LEASE);
        });

        // when no heartbeat gets through for longer than the lease (the node hangs or is cut off), they show lost
        clock.advance(LEASE.plusMillis(1));
        assertThat(mail.workers()).allSatisfy(w -> assertThat(w.status()).isEqualTo("LOST"));
        monitor.runHeartbeats();
        assertThat(mail.workers()).as("back once a heartbeat gets through")
                .allSatisfy(w -> assertThat(w.status()).isEqualTo("IDLE"));

        // and when the monitor stops, they show stopped at once, and stay so however long they are silent after
        monitor.stop();
        assertThat(mail.workers()).allSatisfy(w -> assertThat(w.status()).isEqualTo("STOPPED"));
        clock.advance(LEASE.multipliedBy(2));
        assertThat(mail.workers()).allSatisfy(w -> assertThat(w.status()).isEqualTo("STOPPED"));
    }

    @Test
    void heartbeatsRunOnDemandOnlyWhenDue() {
        ManualMonitor monitor = ManualMonitor.on(clock).register(worker("mail", mail)
                .heartbeatInterval(Duration.ofMinutes(1)).lease(Duration.ofMinutes(5)).handler(job -> Outcome.done()))
                .start();
        Instant first = mail.workers().get(0).lastSeen();

        clock.advance(Duration.ofSeconds(30));
        monitor.runHeartbeats();
        assertThat(mail.workers().get(0).lastSeen()).as("not due yet").isEqualTo(first);

        clock.advance(Duration.ofSeconds(30));
        monitor.runHeartbeats();
        assertThat(mail.workers().get(0).lastSeen()).isEqualTo(clock.instant());
        monitor.stop();
    }

    @Test
    @Timeout(10)
    void aStopWhileTheStorageRefusesWritesEndsAtOnce() {
        // given a worker whose storage fails every write of outcomes, and a job it ran
        JobSource<Mail> failing = new JobSource<>() {
            @Override
            public String queue() {
                return mail.queue();
            }

            @Override
            public List<Job<Mail>> claim(String workerId, int max) {
                return mail.claim(workerId, max);
            }

            @Override
            public void settle(List<Settlement> settlements) {
                throw new StorageException("Connection to localhost:5432 refused");
            }

            @Override
            public void release(String workerId, List<String> jobIds) {
                mail.release(workerId, jobIds);
            }
        };
        String id = mail.push(new Mail("a"));
        ManualMonitor monitor = ManualMonitor.on(clock).register(WorkerBuilder.named("failing").source(failing)
                .heartbeatInterval(HEARTBEAT).lease(LEASE).handler(job -> {
            sent.add(job.payload().to());
            return Outcome.done();
        })).start();
        assertThat(sent).containsExactly("a");

        // when the monitor stops while the failed write waits to retry
        monitor.stop();

        // then the stop ended (on a clock nobody moves), and the job is still the worker's until its lease ends
        assertThat(monitor.snapshot()).allSatisfy(s -> assertThat(s.state()).isEqualTo(WorkerState.STOPPED));
        assertThat(mail.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
    }
}
