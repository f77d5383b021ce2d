package dev.apiary.impl.storage;

import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.spi.Settlement;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Claims, settles and cancels from many threads at once on one in-memory queue: a settle that ends a job runs
 * outside the storage's lock, beside claims and cancels, and must neither lose a job nor run one twice nor overwrite
 * a cancel.
 */
class InMemoryStorageConcurrencyTest {

    private static final int JOBS = 20_000;
    private static final int CLAIMERS = 4;

    @Test
    void claimsEachJobOnceInPriorityOrderWhileSettlesAndCancelsRace() throws InterruptedException {
        // given: jobs of three priorities, a tenth of them retried once; every eleventh is cancelled while pending,
        // every seventh while it runs, racing its settle
        InMemoryStorage<ContractPayload> storage =
                new InMemoryStorage<>("race", ContractPayload.class, new JsonbCodec(), Clock.systemUTC());
        Map<String, Integer> numberOf = new ConcurrentHashMap<>();
        List<String> toCancel = new ArrayList<>();
        for (int n = 0; n < JOBS; n++) {
            String id = storage.push(new ContractPayload("job", n), JobOptions.defaults().withPriority(n % 3));
            numberOf.put(id, n);
            if (n % 11 == 5) {
                toCancel.add(id);
            }
        }
        Set<String> claimedOnFirstAttempt = ConcurrentHashMap.newKeySet();
        Set<String> claimedTwice = ConcurrentHashMap.newKeySet();
        Queue<String> orderErrors = new ConcurrentLinkedQueue<>();
        Map<String, Boolean> cancelled = new ConcurrentHashMap<>();
        Queue<String> runningToCancel = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();

        // when: claimers claim batches of random size and settle them, beside a thread that cancels
        for (int t = 0; t < CLAIMERS; t++) {
            String worker = "worker-" + t;
            threads.add(new Thread(() -> {
                await(start);
                while (!drained(storage)) {
                    List<Job<ContractPayload>> jobs =
                            storage.claim(worker, 1 + ThreadLocalRandom.current().nextInt(50));
                    checkOrder(jobs, orderErrors);
                    List<Settlement> settlements = new ArrayList<>(jobs.size());
                    for (Job<ContractPayload> job : jobs) {
                        if (job.context().attempt() == 1 && !claimedOnFirstAttempt.add(job.id())) {
                            claimedTwice.add(job.id());
                        }
                        if (job.context().attempt() > 2) {
                            claimedTwice.add(job.id());
                        }
                        if (job.payload().n() % 7 == 3) {
                            runningToCancel.add(job.id());
                        }
                        boolean retry = job.payload().n() % 10 == 0 && job.context().attempt() == 1;
                        settlements.add(new Settlement(job.context(),
                                retry ? Outcome.retryAt(job.context().runAt(), "once more") : Outcome.done()));
                    }
                    storage.settle(settlements);
                }
            }, "claimer-" + t));
        }
        threads.add(new Thread(() -> {
            await(start);
            for (String id : toCancel) {
                cancelled.merge(id, storage.cancel(id, "test", "cancelled while pending"), Boolean::logicalOr);
            }
            while (!drained(storage) || !runningToCancel.isEmpty()) {
                String id = runningToCancel.poll();
                if (id != null) {
                    cancelled.merge(id, storage.cancel(id, "test", "cancelled while running"), Boolean::logicalOr);
                }
            }
        }, "canceller"));
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.MINUTES.toMillis(2));
            assertThat(thread.isAlive()).as(thread.getName() + " still running after 2 min").isFalse();
        }

        // then: no job claimed twice for one attempt, none lost, a won cancel stays, every other job is done
        assertThat(claimedTwice).isEmpty();
        assertThat(orderErrors).isEmpty();
        Map<String, JobStatus> statuses = storage.statuses(numberOf.keySet());
        assertThat(statuses).hasSize(JOBS);
        for (Map.Entry<String, JobStatus> entry : statuses.entrySet()) {
            boolean cancelWon = cancelled.getOrDefault(entry.getKey(), false);
            assertThat(entry.getValue()).as("job " + numberOf.get(entry.getKey()))
                    .isEqualTo(cancelWon ? JobStatus.CANCELLED : JobStatus.DONE);
        }
        long wonCancels = cancelled.values().stream().filter(won -> won).count();
        Map<JobStatus, Long> counts = storage.counts();
        assertThat(counts.get(JobStatus.DONE)).isEqualTo(JOBS - wonCancels);
        assertThat(counts.get(JobStatus.CANCELLED)).isEqualTo(wonCancels);
        assertThat(counts.get(JobStatus.RUNNING)).isZero();
        assertThat(counts.get(JobStatus.PENDING)).isZero();
    }

    /** Within one claim: higher priority first, and first attempts of one priority in push order. */
    private static void checkOrder(List<Job<ContractPayload>> jobs, Queue<String> errors) {
        for (int i = 1; i < jobs.size(); i++) {
            Job<ContractPayload> before = jobs.get(i - 1);
            Job<ContractPayload> after = jobs.get(i);
            if (before.context().priority() < after.context().priority()
                    || (before.context().priority() == after.context().priority()
                            && before.context().attempt() == 1 && after.context().attempt() == 1
                            && before.payload().n() > after.payload().n())) {
                errors.add(before.payload() + " before " + after.payload());
            }
        }
    }

    private static boolean drained(InMemoryStorage<ContractPayload> storage) {
        Map<JobStatus, Long> counts = storage.counts();
        return counts.get(JobStatus.PENDING) == 0 && counts.get(JobStatus.RUNNING) == 0;
    }

    private static void await(CountDownLatch start) {
        try {
            start.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
