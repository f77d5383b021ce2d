package dev.apiary.impl.monitor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apiary.Outcome;
import dev.apiary.spi.InMemory;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an executor's size is known at start-up (read where the executor says, else probed), and the warning when it
 * cannot carry the workers' total concurrency with a thread to spare.
 */
class ExecutorCapacityTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private ExecutorService executor;

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel() == Level.WARNING) {
                warnings.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @AfterEach
    void shutDown() {
        Logger.getLogger(DefaultMonitor.class.getName()).removeHandler(capture);
        scheduler.shutdownNow();
        executor.shutdownNow();
    }

    @Test
    void anExecutorThatSaysHowManyThreadsItHasIsReadNotProbed() {
        executor = Executors.newFixedThreadPool(4);
        assertThat(ExecutorCapacity.threads(executor)).hasValue(4);
        ExecutorService cached = Executors.newCachedThreadPool();
        ForkJoinPool forkJoin = new ForkJoinPool(3);
        try {
            assertThat(ExecutorCapacity.threads(cached)).hasValue(Integer.MAX_VALUE);
            assertThat(ExecutorCapacity.threads(forkJoin)).hasValue(3);
        } finally {
            cached.shutdownNow();
            forkJoin.shutdownNow();
        }
        assertThat(ExecutorCapacity.threads(Runnable::run)).isEmpty();
    }

    @Test
    void aMonitorWarnsAtStartWhenItsExecutorHasNoMoreThreadsThanTheTotalConcurrency() {
        Logger.getLogger(DefaultMonitor.class.getName()).addHandler(capture);
        for (int threads : new int[] {4, 5}) {
            // given two workers of concurrency 2 on a pool of 4 threads, then of 5
            executor = Executors.newFixedThreadPool(threads);
            Monitor monitor = Monitor.create(executor, scheduler);
            for (String name : List.of("a", "b")) {
                monitor.register(WorkerBuilder.named(name).source(InMemory.storage(name, String.class))
                        .concurrency(2).handler(job -> Outcome.done()));
            }

            monitor.start();
            monitor.stop();
            executor.shutdownNow();
        }

        // then only the pool of 4 is warned about, once
        assertThat(warnings).singleElement().asString().contains("may run 4 jobs at once")
                .contains("only 4 threads").contains("claims wait behind running jobs");
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
