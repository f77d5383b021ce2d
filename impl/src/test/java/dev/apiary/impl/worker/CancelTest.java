package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.StoredJob;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.ManualMonitor;
import dev.apiary.testing.WorkerDriver;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cancelling a running job, end to end on the in-memory storage: the scheduler is manual (wake-ups and heartbeats run
 * when the test says), the handlers run on a real thread of their own so that they can block while the test cancels.
 */
class CancelTest {

    public record Report(String name) {
    }

    private final ManualClock clock = ManualClock.startingNow();
    private final JobStorage<Report> storage = WorkerDriver.inMemoryStorage("reports", Report.class, clock);
    private final ExecutorService handlers = Executors.newSingleThreadExecutor();
    private final CountDownLatch started = new CountDownLatch(1);
    /** Per job, whether its handler saw an interrupt and whether it saw {@code isCancelled()}. */
    private final Map<String, Boolean> sawInterrupt = new ConcurrentHashMap<>();
    private final Map<String, Boolean> sawCancelled = new ConcurrentHashMap<>();
    private ManualMonitor monitor;

    @AfterEach
    void stop() {
        if (monitor != null) {
            monitor.stop();
        }
        handlers.shutdownNow();
    }

    /** Blocks on "long" until interrupted; any other report is done at once, noting whether its thread was interrupted. */
    private Outcome interruptible(Job<Report> job) {
        if (!job.payload().name().equals("long")) {
            sawInterrupt.put(job.id(), Thread.currentThread().isInterrupted());
            return Outcome.done();
        }
        started.countDown();
        try {
            new CountDownLatch(1).await();
            return Outcome.done();
        } catch (InterruptedException e) {
            sawInterrupt.put(job.id(), true);
            sawCancelled.put(job.id(), job.context().isCancelled());
            return Outcome.failed(e);
        }
    }

    private ManualMonitor start(JobSource<Report> source, JobHandler<Report> handler) {
        monitor = ManualMonitor.on(clock).register(WorkerBuilder.named("reports").source(source).executor(handlers)
                .heartbeatInterval(Duration.ofSeconds(1)).handler(handler)).start();
        return monitor;
    }

    private void awaitStarted() throws InterruptedException {
        assertThat(started.await(10, TimeUnit.SECONDS)).as("the long handler started").isTrue();
    }

    private List<WorkerEvent> cancelEvents() {
        return monitor.events().stream().filter(e -> e.kind() == WorkerEvent.Kind.JOB_CANCELLED).toList();
    }

    @Test
    void aRunningHandlerIsInterruptedAtTheWakeUpOfTheCancelAndTheJobEndsCancelled() throws Exception {
        // given a job whose handler blocks, running
        String id = storage.push(new Report("long"));
        start(storage, this::interruptible);
        awaitStarted();

        // when an operator cancels it, and the wake-up's check runs
        assertThat(storage.cancel(id, "alice", "no longer needed")).isTrue();
        monitor.tick(CancelCheck.MIN_GAP);

        // then its handler was interrupted and saw the cancel, and the job stays cancelled with who and why
        await().atMost(Duration.ofSeconds(10)).until(() -> cancelEvents().size() == 1);
        assertThat(sawInterrupt).containsEntry(id, true);
        assertThat(sawCancelled).containsEntry(id, true);
        monitor.runUntilIdle();
        StoredJob<Report> job = storage.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job.cancelledBy()).isEqualTo("alice");
        assertThat(job.lastError()).isEqualTo("no longer needed");
        assertThat(monitor.events()).noneMatch(e -> id.equals(e.jobId()) && e.kind() == WorkerEvent.Kind.JOB_FAILED);

        // and the next job on that thread runs uninterrupted
        String next = storage.push(new Report("short"));
        monitor.runUntilIdle();
        await().atMost(Duration.ofSeconds(10)).until(() -> sawInterrupt.containsKey(next));
        assertThat(sawInterrupt).containsEntry(next, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            monitor.runUntilIdle();
            return storage.find(next).orElseThrow().status() == JobStatus.DONE;
        });
    }

    @Test
    void aCancelWithoutAWakeUpIsSeenAtTheNextHeartbeat() throws Exception {
        // given a source that passes no wake-up on, as a storage without notifications across nodes
        JobSource<Report> silent = new MonitorTest.DelegatingSource<>(storage) {
            @Override
            public AutoCloseable onAvailable(Runnable wakeup) {
                return () -> { };
            }

            @Override
            public Set<String> cancelled(String workerId, Collection<String> jobIds) {
                return storage.cancelled(workerId, jobIds);
            }
        };
        String id = storage.push(new Report("long"));
        start(silent, this::interruptible);
        awaitStarted();

        // when the job is cancelled: nothing happens before the next heartbeat
        storage.cancel(id, "bob", null);
        monitor.tick(CancelCheck.MIN_GAP);
        assertThat(sawInterrupt).doesNotContainKey(id);
        monitor.tick(Duration.ofSeconds(1));

        // then that heartbeat's check interrupted it
        await().atMost(Duration.ofSeconds(10)).until(() -> cancelEvents().size() == 1);
        assertThat(sawCancelled).containsEntry(id, true);
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void anUninterruptibleHandlerThatReturnsDoneAfterTheCancelStillEndsCancelled() throws Exception {
        // given a handler that swallows interrupts and finishes only when released
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        String id = storage.push(new Report("stubborn"));
        start(storage, job -> {
            started.countDown();
            while (true) {
                try {
                    if (release.await(10, TimeUnit.SECONDS)) {
                        return Outcome.done("finished anyway");
                    }
                } catch (InterruptedException e) {
                    interrupted.set(true);
                }
            }
        });
        awaitStarted();

        // when it is cancelled, and only then finishes
        storage.cancel(id, "carol", "stuck");
        monitor.tick(CancelCheck.MIN_GAP);
        await().atMost(Duration.ofSeconds(10)).untilTrue(interrupted);
        release.countDown();

        // then its done outcome was dropped: the job ends cancelled
        await().atMost(Duration.ofSeconds(10)).until(() -> cancelEvents().size() == 1);
        assertThat(cancelEvents().get(0).outcome()).isInstanceOf(Outcome.Done.class);
        monitor.runUntilIdle();
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(storage.find(id).orElseThrow().result()).isNull();
    }
}
