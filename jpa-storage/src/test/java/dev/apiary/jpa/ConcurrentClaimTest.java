package dev.apiary.jpa;

import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.Settlement;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes (one on Hibernate, one on EclipseLink, each with its own connection pool) with four claiming threads
 * each drain one queue of 20,000 jobs: every job is claimed once and settled once. The printed rates are for
 * orientation only; the benchmark module measures.
 */
class ConcurrentClaimTest {

    private static final int JOBS = 20_000;
    private static final int THREADS_PER_NODE = 4;
    private static final int BATCH = 32;

    @ParameterizedTest
    @EnumSource(Db.class)
    void claimsEachJobOnceAcrossThreadsAndNodes(Db db) throws Exception {
        String queue = "drain-" + db + "-" + System.nanoTime();
        EntityManagerFactory hibernate = TestDatabases.newEmf(Provider.HIBERNATE, db);
        EntityManagerFactory eclipselink = TestDatabases.newEmf(Provider.ECLIPSELINK, db);
        ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_NODE);
        try {
            List<JpaJobStorage<ContractPayload>> nodes = List.of(
                    JpaJobStorage.builder(hibernate).queue(queue, ContractPayload.class).build(),
                    JpaJobStorage.builder(eclipselink).queue(queue, ContractPayload.class).build());
            long pushStart = System.nanoTime();
            nodes.get(0).pushAll(IntStream.range(0, JOBS).mapToObj(n -> new ContractPayload("job", n)).toList(),
                    JobOptions.defaults());
            long pushNanos = System.nanoTime() - pushStart;

            Map<String, Integer> claims = new ConcurrentHashMap<>();
            AtomicInteger duplicates = new AtomicInteger();
            long drainStart = System.nanoTime();
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < 2 * THREADS_PER_NODE; t++) {
                JpaJobStorage<ContractPayload> node = nodes.get(t % 2);
                String worker = "node" + (t % 2) + "-w" + t;
                threads.add(pool.submit(() -> {
                    List<Job<ContractPayload>> batch;
                    while (!(batch = node.claim(worker, BATCH)).isEmpty()) {
                        List<Settlement> done = new ArrayList<>(batch.size());
                        for (Job<ContractPayload> job : batch) {
                            if (claims.merge(job.id(), 1, Integer::sum) > 1) {
                                duplicates.incrementAndGet();
                            }
                            done.add(new Settlement(job.context(), Outcome.done()));
                        }
                        node.settle(done);
                    }
                    return null;
                }));
            }
            for (Future<?> thread : threads) {
                thread.get(3, TimeUnit.MINUTES);
            }
            long drainNanos = System.nanoTime() - drainStart;

            System.out.printf("%s: pushAll %,d jobs/s, drain with %d threads on 2 nodes %,d jobs/s%n", db,
                    JOBS * 1_000_000_000L / pushNanos, 2 * THREADS_PER_NODE, JOBS * 1_000_000_000L / drainNanos);
            assertThat(duplicates).hasValue(0);
            assertThat(claims).hasSize(JOBS);
            assertThat(nodes.get(1).counts()).containsEntry(JobStatus.DONE, (long) JOBS)
                    .containsEntry(JobStatus.RUNNING, 0L).containsEntry(JobStatus.PENDING, 0L);
        } finally {
            pool.shutdownNow();
            hibernate.close();
            eclipselink.close();
        }
    }

    /**
     * Settles that end some jobs failed and the rest done, while other threads' claims run: no settle is picked as a
     * deadlock victim. On H2 a portable claim's update can hold a row of jobs another thread claimed meanwhile; a
     * settle that wrote a failed job before its done ones with lower ids then deadlocked with such a claim (three
     * times in a row failed the settle).
     */
    @ParameterizedTest
    @EnumSource(Provider.class)
    void settlesOfMixedOutcomesAreNeverDeadlockVictims(Provider provider) throws Exception {
        String queue = "mixed-" + provider + "-" + System.nanoTime();
        int jobs = 4_000;
        EntityManagerFactory emf = TestDatabases.newEmf(provider, Db.H2);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS_PER_NODE);
        Logger log = Logger.getLogger(JpaJobStorage.class.getName());
        Level level = log.getLevel();
        List<String> retries = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null && record.getMessage().startsWith("Retrying to settle")) {
                    retries.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.setLevel(Level.FINE);
        log.addHandler(handler);
        try {
            JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(emf).queue(queue, ContractPayload.class)
                    .build();
            storage.pushAll(IntStream.range(0, jobs).mapToObj(n -> new ContractPayload("job", n)).toList(),
                    JobOptions.defaults().withMaxAttempts(1));
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < THREADS_PER_NODE; t++) {
                String worker = "w" + t;
                threads.add(pool.submit(() -> {
                    List<Job<ContractPayload>> batch;
                    while (!(batch = storage.claim(worker, BATCH)).isEmpty()) {
                        List<Settlement> outcomes = new ArrayList<>(batch.size());
                        for (Job<ContractPayload> job : batch) {
                            outcomes.add(new Settlement(job.context(), job.payload().n() % 10 == 7
                                    ? Outcome.failed("boom") : Outcome.done()));
                        }
                        storage.settle(outcomes);
                    }
                    return null;
                }));
            }
            for (Future<?> thread : threads) {
                thread.get(3, TimeUnit.MINUTES);
            }
            assertThat(retries).as("settles retried after a deadlock").isEmpty();
            assertThat(storage.counts()).containsEntry(JobStatus.DONE, jobs * 9L / 10)
                    .containsEntry(JobStatus.FAILED, jobs / 10L).containsEntry(JobStatus.RUNNING, 0L)
                    .containsEntry(JobStatus.PENDING, 0L);
        } finally {
            log.removeHandler(handler);
            log.setLevel(level);
            pool.shutdownNow();
            emf.close();
        }
    }
}
