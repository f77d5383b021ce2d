package dev.apiary.impl.mq;

import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.InMemory;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A worker consuming a message queue through the MessageQueue SPI, on the in-memory implementation. */
class MessageQueueWorkerTest {

    private Monitor monitor;

    @AfterEach
    void stop() {
        if (monitor != null) {
            monitor.stop();
        }
    }

    private InMemoryMessageQueue<String> start(int concurrency, JobHandler<String> handler) {
        InMemoryMessageQueue<String> queue = (InMemoryMessageQueue<String>) InMemory.<String>messageQueue("orders");
        monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));
        monitor.register(WorkerBuilder.named("mq").source(queue.asSource())
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(300), Duration.ofMillis(300))
                        .withJitter(0)))
                .concurrency(concurrency).handler(handler));
        monitor.start();
        return queue;
    }

    @Test
    void messagesAreHandledAndAcked() {
        List<String> seen = new CopyOnWriteArrayList<>();
        InMemoryMessageQueue<String> queue = start(2, job -> {
            seen.add(job.payload());
            return Outcome.done();
        });

        queue.send("a");
        queue.send("b");

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.size() == 0);
        assertThat(seen).containsExactlyInAnyOrder("a", "b");
        assertThat(queue.deadLetters()).isEmpty();
    }

    @Test
    void aResultReturnedFromAMessageIsDroppedWithAWarningTheFirstTimeAndThenAtFine() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null && record.getMessage().contains("returned a result")) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(MessageQueueSource.class.getName());
        Level before = log.getLevel();
        log.setLevel(Level.FINE);
        handler.setLevel(Level.ALL);
        log.addHandler(handler);
        try {
            InMemoryMessageQueue<String> queue = start(1, job -> Outcome.done("receipt of " + job.payload()));

            queue.send("a");
            queue.send("b");

            await().atMost(Duration.ofSeconds(10)).until(() -> records.size() == 2);
            assertThat(records.get(0).getLevel()).isEqualTo(Level.WARNING);
            assertThat(records.get(0).getMessage()).contains("of queue 'orders' returned a result (a java.lang.String),"
                    + " which is not kept: the queue is a message queue or stream, which keeps no results")
                    .contains("further results of this queue are logged at FINE");
            assertThat(records.get(1).getLevel()).isEqualTo(Level.FINE);
            await().atMost(Duration.ofSeconds(5)).until(() -> queue.size() == 0);
        } finally {
            log.removeHandler(handler);
            log.setLevel(before);
        }
    }

    @Test
    void aFailingMessageIsDeliveredAgainAfterItsBackoffUntilItSucceeds() {
        Map<String, List<Instant>> tries = new ConcurrentHashMap<>();
        InMemoryMessageQueue<String> queue = start(2, job -> {
            List<Instant> t = tries.computeIfAbsent(job.payload(), k -> new CopyOnWriteArrayList<>());
            t.add(Instant.now());
            if (t.size() < 3) {
                throw new IllegalStateException("downstream busy");
            }
            return Outcome.done();
        });

        queue.send("a", JobOptions.defaults().withMaxAttempts(5));

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.size() == 0);
        List<Instant> t = tries.get("a");
        assertThat(t).hasSize(3);
        assertThat(Duration.between(t.get(0), t.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(290));
        assertThat(Duration.between(t.get(1), t.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(290));
    }

    @Test
    void aMessageThatFailsEveryAttemptIsDeadLetteredAfterTheLastWithTheReason() {
        AtomicInteger tries = new AtomicInteger();
        InMemoryMessageQueue<String> queue = start(1, job -> {
            tries.incrementAndGet();
            throw new IllegalStateException("ledger refused entry");
        });

        queue.send("poison", JobOptions.defaults().withMaxAttempts(2));

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.deadLetters().size() == 1);
        assertThat(tries).hasValue(2);
        InMemoryMessageQueue.DeadLetter<String> dead = queue.deadLetters().get(0);
        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(dead.reason()).contains("ledger refused entry");
        assertThat(queue.size()).isZero();
    }

    @Test
    void aKilledMessageIsDeadLetteredAtOnce() {
        InMemoryMessageQueue<String> queue = start(1, job -> Outcome.kill("account closed"));

        queue.send("x");

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.deadLetters().size() == 1);
        assertThat(queue.deadLetters().get(0).reason()).contains("account closed");
        assertThat(queue.deadLetters().get(0).attempts()).isEqualTo(1);
    }

    @Test
    void theWorkerTakesNoMoreMessagesThanItHasSlotsAndHandsBackTheRestOnStop() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        InMemoryMessageQueue<String> queue = start(2, job -> {
            started.incrementAndGet();
            release.await(10, TimeUnit.SECONDS);
            return Outcome.done();
        });
        for (int i = 0; i < 10; i++) {
            queue.send("m" + i);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> started.get() == 2);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> queue.inFlight() == 2);

        Thread stopper = new Thread(monitor::stop);
        stopper.start();
        // the running jobs end only once the stop has begun, so that their free slots are not refilled
        await().atMost(Duration.ofSeconds(5)).until(() -> monitor.snapshot().stream()
                .allMatch(w -> w.state() == dev.apiary.worker.WorkerState.STOPPING
                        || w.state() == dev.apiary.worker.WorkerState.STOPPED));
        release.countDown();
        stopper.join(10_000);

        assertThat(started).hasValue(2);
        assertThat(queue.size()).isEqualTo(8);
        assertThat(queue.deadLetters()).isEmpty();
    }
}
