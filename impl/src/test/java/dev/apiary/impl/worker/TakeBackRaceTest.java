package dev.apiary.impl.worker;

import dev.apiary.Outcome;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stop that takes a running job back races the runner finishing that job. Whatever the order, the interrupt meant
 * for the job must never reach the task the pooled thread runs next (another worker's job, a settle).
 */
class TakeBackRaceTest {

    /** The one thread of the job pool, and the task it runs after the job's runner. */
    private final CountDownLatch handlerRunning = new CountDownLatch(1);
    private final CountDownLatch releaseHandler = new CountDownLatch(1);
    private final CountDownLatch nextTaskStarted = new CountDownLatch(1);
    private final CountDownLatch nextTaskMayCheck = new CountDownLatch(1);
    private volatile PoolThread poolThread;

    /**
     * A pool thread whose interrupt lets the handler finish first and lands only once the thread has moved on: into
     * the next task, or, if the runner holds the thread back until the take-back is over, waiting for it.
     */
    private final class PoolThread extends Thread {
        PoolThread(Runnable r) {
            super(r, "test-pool");
            setDaemon(true);
        }

        @Override
        public void interrupt() {
            if (Thread.currentThread() != this) {
                releaseHandler.countDown();
                while (nextTaskStarted.getCount() > 0 && getState() != State.BLOCKED) {
                    Thread.onSpinWait();
                }
            }
            super.interrupt();
        }
    }

    private final ExecutorService pool = Executors.newSingleThreadExecutor(r -> poolThread = new PoolThread(r));
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void shutDown() {
        pool.shutdownNow();
        scheduler.shutdownNow();
    }

    @Test
    void aTakeBackRacingAFinishingRunnerNeverInterruptsTheThreadsNextTask() throws Exception {
        JobStorage<String> storage = InMemory.storage("race", String.class);
        Monitor monitor = Monitor.create(pool, scheduler).gracePeriod(Duration.ZERO);
        monitor.register(WorkerBuilder.named("race").source(storage).concurrency(1).handler(job -> {
            handlerRunning.countDown();
            // deaf to the interrupt: the job finishes while the stop takes it back
            while (!releaseHandler.await(10, TimeUnit.SECONDS)) {
                Thread.onSpinWait();
            }
            return Outcome.done();
        }));
        monitor.start();
        storage.push("long");
        assertThat(handlerRunning.await(10, TimeUnit.SECONDS)).isTrue();
        // queued behind the runner on the one pool thread: what that thread runs next
        CompletableFuture<Boolean> nextTaskInterrupted = new CompletableFuture<>();
        pool.execute(() -> {
            nextTaskStarted.countDown();
            try {
                nextTaskMayCheck.await();
                nextTaskInterrupted.complete(Thread.currentThread().isInterrupted());
            } catch (InterruptedException e) {
                nextTaskInterrupted.complete(true);
            }
        });

        monitor.stop();
        nextTaskMayCheck.countDown();

        assertThat(nextTaskInterrupted.get(10, TimeUnit.SECONDS))
                .as("the task after the taken-back job's runner was interrupted").isFalse();
    }
}
