package dev.apiary.impl.worker;

import dev.apiary.Outcome;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An executor that refuses tasks, as a server's managed executor does while the server stops before it stops the
 * application (Open Liberty's {@code server stop}): a run of refusals is logged once, at INFO and without a stack
 * trace, and the worker carries on when the executor accepts tasks again.
 */
class RefusedTaskLogTest {

    record Note(String text) {
    }

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger(WorkerInstance.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private Monitor monitor;

    @AfterEach
    void stop() {
        logger.removeHandler(capture);
        if (monitor != null) {
            monitor.stop();
        }
        pool.shutdownNow();
        scheduler.shutdownNow();
    }

    @Test
    void aRunOfRefusalsIsToldOnceWithoutAStackTraceAndTheWorkerCarriesOn() {
        logger.addHandler(capture);
        AtomicBoolean refusing = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        JobStorage<Note> storage = InMemory.storage("notes", Note.class);
        monitor = Monitor.create(task -> {
            if (refusing.get()) {
                refused.incrementAndGet();
                throw new RejectedExecutionException("the executor has been shut down");
            }
            pool.execute(task);
        }, scheduler);
        monitor.register(WorkerBuilder.named("notes").source(storage).pollInterval(Duration.ofMillis(20))
                .maxPollInterval(Duration.ofMillis(50)).handler(job -> Outcome.done()));
        monitor.start();
        String before = storage.push(new Note("before"));
        await().atMost(Duration.ofSeconds(10)).until(() -> storage.find(before).orElseThrow().status().isFinal());

        // when the executor refuses every task for a while
        refusing.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> refused.get() >= 10);
        refusing.set(false);

        // then the worker runs the next job, and the refusals were told once, at INFO, with no exception attached
        String after = storage.push(new Note("after"));
        await().atMost(Duration.ofSeconds(10)).until(() -> storage.find(after).orElseThrow().status().isFinal());
        List<LogRecord> told = records.stream().filter(r -> r.getLevel().intValue() >= Level.INFO.intValue())
                .filter(r -> r.getMessage().contains("refuses tasks")).toList();
        assertThat(told).hasSize(1);
        assertThat(told.get(0).getLevel()).isEqualTo(Level.INFO);
        assertThat(told.get(0).getThrown()).isNull();
        assertThat(records).noneMatch(r -> r.getLevel().intValue() >= Level.WARNING.intValue());
    }
}
