package dev.apiary.impl.monitor;

import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.Streams;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A plain-Java monitor starts every thread it needs from its own executors, for its storages, message queues, streams
 * and timeouts alike, and a stop leaves none of them alive.
 */
class MonitorThreadsTest {

    @Test
    void aStoppedMonitorLeavesNoApiaryThreadAlive() throws Exception {
        Set<Thread> before = ApiaryThreads.alive();
        Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        RetryPolicy quickRetry = RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofMillis(100)).withJitter(0);
        JobStorage<String> storage = InMemory.storage("stored", String.class);
        MessageQueue<String> queue = InMemory.messageQueue("queued");
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));
        // a timeout layer on each: its alarms need a timer; a first attempt that fails: its retry needs one too
        monitor.register(WorkerBuilder.named("stored").source(storage).layer(Layers.retry(quickRetry))
                .layer(Layers.timeout(Duration.ofSeconds(5)))
                .handler(job -> failFirst(tries, "stored-" + job.payload())));
        monitor.register(WorkerBuilder.named("queued").source(queue.asSource()).layer(Layers.retry(quickRetry))
                .layer(Layers.timeout(Duration.ofSeconds(5))).handler(job -> failFirst(tries, "queued-" + job.payload())));
        monitor.register(WorkerBuilder.named("streamed").source(Streams.source("streamed",
                        IntStream.range(0, 3).boxed().iterator())).layer(Layers.retry(quickRetry))
                .layer(Layers.timeout(Duration.ofSeconds(5))).handler(job -> failFirst(tries, "streamed-" + job.payload())));
        monitor.start();
        storage.push("a");
        queue.send("a");
        queue.send("b", dev.apiary.JobOptions.defaults().withRunAt(java.time.Instant.now().plusMillis(200)));

        // each item ran twice: failed once, then done after its retry
        await().atMost(Duration.ofSeconds(10)).until(() -> tries.size() == 6
                && tries.values().stream().allMatch(n -> n.get() == 2));
        assertThat(ApiaryThreads.alive()).isNotEmpty();

        monitor.stop();

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(ApiaryThreads.aliveBesides(before)).isEmpty());
    }

    private static Outcome failFirst(Map<String, AtomicInteger> tries, String key) {
        if (tries.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() == 1) {
            throw new IllegalStateException("first try of " + key + " fails");
        }
        return Outcome.done();
    }
}
