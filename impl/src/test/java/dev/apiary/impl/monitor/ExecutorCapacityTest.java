package dev.apiary.impl.monitor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The start-up probe that tells whether an executor can run as many jobs at once as the workers may ask for. */
class ExecutorCapacityTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private ExecutorService executor;

    @AfterEach
    void shutDown() {
        scheduler.shutdownNow();
        executor.shutdownNow();
    }

    @Test
    void aPoolSmallerThanTheWorkersConcurrencyIsMeasuredAtItsSize() throws Exception {
        // given WildFly's default: a fixed pool of 4 threads with an unbounded queue, and workers wanting 20
        executor = Executors.newFixedThreadPool(4);
        CompletableFuture<Integer> ran = new CompletableFuture<>();

        ExecutorCapacity.probe(executor, scheduler, 20, ran::complete);

        assertThat(ran.get(30, TimeUnit.SECONDS)).isEqualTo(4);
    }

    @Test
    void aPoolThatServesEveryoneAnswersAtOnce() throws Exception {
        executor = Executors.newCachedThreadPool();
        CompletableFuture<Integer> ran = new CompletableFuture<>();

        ExecutorCapacity.probe(executor, scheduler, 20, ran::complete);

        assertThat(ran.get(30, TimeUnit.SECONDS)).isEqualTo(20);
    }
}
