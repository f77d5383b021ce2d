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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
}
