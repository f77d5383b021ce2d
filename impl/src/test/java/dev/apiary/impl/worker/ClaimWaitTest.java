package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.worker.MonitorTest.DelegatingSource;
import dev.apiary.impl.worker.MonitorTest.Email;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runners that find the buffer empty while a claim is under way wait for it on real threads: they hold no core
 * while the database answers (on a small machine the database needs those cores), and they run what it brings.
 */
class ClaimWaitTest {

    private static final int SLOTS = 8;

    /** Answers the first claim at once and holds the second until {@link #answer} opens: a slow database. */
    static final class SlowSecondClaim extends DelegatingSource<Email> {
        final AtomicInteger claims = new AtomicInteger();
        final CountDownLatch secondStarted = new CountDownLatch(1);
        final CountDownLatch answer = new CountDownLatch(1);

        SlowSecondClaim(JobStorage<Email> delegate) {
            super(delegate);
        }

        @Override
        public List<Job<Email>> claim(String workerId, int max) {
            if (claims.incrementAndGet() == 2) {
                secondStarted.countDown();
                try {
                    answer.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.claim(workerId, max);
        }
    }

    @Test
    void runnersWaitingForASlowClaimHoldNoCoreAndRunWhatItBrings() throws Exception {
        JobStorage<Email> storage = InMemory.storage("email", Email.class);
        for (int i = 0; i < 3 * SLOTS; i++) {
            storage.push(new Email("user" + i + "@example.com"));
        }
        SlowSecondClaim source = new SlowSecondClaim(storage);
        AtomicInteger ran = new AtomicInteger();
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));
        try {
            // the first claim takes one job per slot (no prefetch yet), which finish at once and leave every runner
            // looking for more while the second claim waits for its answer
            monitor.register(WorkerBuilder.named("email").source(source).concurrency(SLOTS)
                    .pollInterval(Duration.ofMinutes(1)).maxPollInterval(Duration.ofMinutes(1))
                    .handler(job -> {
                        ran.incrementAndGet();
                        return Outcome.done();
                    }));
            monitor.start();
            assertThat(source.secondStarted.await(10, TimeUnit.SECONDS)).isTrue();
            // every job of the first claim ran, but for the one of the runner that claims ahead before running it
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() >= SLOTS - 1);

            long busy = jobThreadsCpuNanosDuring(Duration.ofSeconds(1));

            // spinning, the runners took the machine's cores for the whole second
            assertThat(busy).as("CPU time of the runners' threads while the claim waited, ns")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(250));
            assertThat(source.claims.get()).isEqualTo(2);
            source.answer.countDown();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> storage.counts().getOrDefault(JobStatus.DONE, 0L) == 3L * SLOTS);
            assertThat(ran.get()).isEqualTo(3 * SLOTS);
        } finally {
            source.answer.countDown();
            monitor.stop();
        }
    }

    /** The CPU time the engine's job threads use over {@code window}, measured per thread. */
    private static long jobThreadsCpuNanosDuring(Duration window) throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        java.util.Map<Long, Long> before = new java.util.HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("apiary-job")) {
                before.put(t.getId(), threads.getThreadCpuTime(t.getId()));
            }
        }
        Thread.sleep(window.toMillis());
        long used = 0;
        for (var entry : before.entrySet()) {
            long now = threads.getThreadCpuTime(entry.getKey());
            if (now >= 0 && entry.getValue() >= 0) {
                used += now - entry.getValue();
            }
        }
        return used;
    }
}
