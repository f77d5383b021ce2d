package dev.apiary.impl.mq;

import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.MessageQueue;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A worker consuming a message queue: acks on done, kill and final failure; nacks for a retry. */
class MessageQueueWorkerTest {

    private Monitor monitor;

    @AfterEach
    void stop() {
        if (monitor != null) {
            monitor.stop();
        }
    }

    private InMemoryMessageQueue<String> start(MessageQueue<String> queue, int maxAttempts,
                                               dev.apiary.JobHandler<String> handler) {
        monitor = Monitor.create();
        monitor.register(WorkerBuilder.named("mq").source(queue.asSource(maxAttempts))
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ZERO, Duration.ZERO)))
                .pollInterval(Duration.ofMillis(10)).maxPollInterval(Duration.ofMillis(20))
                .concurrency(2).handler(handler));
        monitor.start();
        return (InMemoryMessageQueue<String>) queue;
    }

    @Test
    void messagesAreHandledAndAcked() {
        List<String> seen = new CopyOnWriteArrayList<>();
        InMemoryMessageQueue<String> queue = start(InMemory.messageQueue("orders"), 3, job -> {
            seen.add(job.payload());
            return Outcome.done();
        });

        queue.enqueue("a");
        queue.enqueue("b");

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.size() == 0);
        assertThat(seen).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void aFailingMessageIsRedeliveredUntilItSucceeds() {
        Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        InMemoryMessageQueue<String> queue = start(InMemory.messageQueue("orders"), 5, job -> {
            if (tries.computeIfAbsent(job.payload(), k -> new AtomicInteger()).incrementAndGet() < 3) {
                throw new IllegalStateException("downstream busy");
            }
            return Outcome.done();
        });

        queue.enqueue("a");

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.size() == 0);
        assertThat(tries.get("a")).hasValue(3);
    }

    @Test
    void aMessageThatFailsEveryAttemptIsAckedAfterTheLast() {
        AtomicInteger tries = new AtomicInteger();
        InMemoryMessageQueue<String> queue = start(InMemory.messageQueue("orders"), 3, job -> {
            tries.incrementAndGet();
            throw new IllegalStateException("poison");
        });

        queue.enqueue("poison");

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.size() == 0);
        assertThat(tries).hasValue(3);
    }

    @Test
    void aMessageDeliveredMoreOftenThanItsAttemptsIsDroppedWithoutRunning() {
        InMemoryMessageQueue<String> queue = new InMemoryMessageQueue<>("orders");
        queue.enqueue("crashes-workers");
        // three deliveries that never came back (workers that died on it)
        for (int i = 0; i < 3; i++) {
            String id = queue.dequeue(1).get(0).id();
            queue.nack(id);
        }
        AtomicInteger ran = new AtomicInteger();

        start(queue, 3, job -> {
            ran.incrementAndGet();
            return Outcome.done();
        });

        await().atMost(Duration.ofSeconds(5)).until(() -> queue.size() == 0);
        assertThat(ran).hasValue(0);
    }
}
