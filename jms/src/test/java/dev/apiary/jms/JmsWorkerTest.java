package dev.apiary.jms;

import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Workers consuming a JMS queue on an embedded ActiveMQ Artemis broker. */
class JmsWorkerTest {

    private static EmbeddedBroker broker;
    private static final AtomicInteger QUEUES = new AtomicInteger();

    private Monitor monitor;
    private JmsQueue<Order> queue;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @AfterEach
    void stop() {
        if (monitor != null) {
            monitor.stop();
        }
        if (queue != null) {
            queue.close();
        }
    }

    private JmsQueue<Order> start(int instances, int concurrency, JobHandler<Order> handler) {
        return start(broker.inVm(), instances, concurrency, handler);
    }

    private JmsQueue<Order> start(ConnectionFactory factory, int instances, int concurrency,
                                  JobHandler<Order> handler) {
        queue = JmsQueue.builder(factory, "orders-" + QUEUES.incrementAndGet(), Order.class)
                .receiveTimeout(Duration.ofSeconds(1)).build();
        monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        monitor.register(instances, i -> WorkerBuilder.named("orders").source(queue.asSource())
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(400), Duration.ofMillis(400))
                        .withJitter(0)))
                .concurrency(concurrency).handler(handler));
        monitor.start();
        return queue;
    }

    @Test
    void everyMessageIsHandledOnceAcrossSeveralConsumers() {
        int n = 1000;
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        start(2, 8, job -> {
            handled.computeIfAbsent(job.payload().id(), k -> new AtomicInteger()).incrementAndGet();
            return Outcome.done();
        });

        for (int i = 0; i < n; i++) {
            queue.send(new Order("o" + i, i));
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == n && broker.count(queue.queue()) == 0);
        assertThat(handled.values()).allSatisfy(count -> assertThat(count).hasValue(1));
        assertThat(broker.count(queue.deadLetterQueue())).isZero();
    }

    @Test
    void consumersWhoseReceivingThreadIsInterruptedOpenAgainAndEveryMessageIsHandled() {
        // the first receives run on an interrupted thread: Artemis's receive then throws its unchecked
        // ActiveMQInterruptedException, which must not leave the slot counted as waiting with no receive serving it
        AtomicInteger interrupted = new AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
            queue = JmsQueue.builder(broker.inVm(), "orders-" + QUEUES.incrementAndGet(), Order.class)
                    .receiveTimeout(Duration.ofSeconds(1))
                    .executor(task -> pool.execute(() -> {
                        if (interrupted.incrementAndGet() <= 4) {
                            Thread.currentThread().interrupt();
                        }
                        try {
                            task.run();
                        } finally {
                            Thread.interrupted();
                        }
                    }))
                    .build();
            monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
            monitor.register(WorkerBuilder.named("orders").source(queue.asSource()).concurrency(4).handler(job -> {
                handled.computeIfAbsent(job.payload().id(), k -> new AtomicInteger()).incrementAndGet();
                return Outcome.done();
            }));
            for (int i = 0; i < 50; i++) {
                queue.send(new Order("o" + i, i));
            }
            monitor.start();

            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 50
                    && broker.count(queue.queue()) == 0);
            assertThat(interrupted.get()).isGreaterThan(4);
            assertThat(handled.values()).allSatisfy(count -> assertThat(count).hasValue(1));
        } finally {
            monitor.stop();
            monitor = null;
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingMessageIsDeliveredAgainAfterItsBackoffThenDeadLetteredWithTheReason() throws Exception {
        List<Instant> tries = new CopyOnWriteArrayList<>();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        start(1, 2, job -> {
            tries.add(Instant.now());
            attempts.add(job.context().attempt());
            throw new IllegalStateException("ledger refused entry " + job.payload().id());
        });

        queue.send(new Order("bad", 1), JobOptions.defaults().withMaxAttempts(3));

        await().atMost(Duration.ofSeconds(20)).until(() -> broker.count(queue.deadLetterQueue()) == 1);
        assertThat(attempts).containsExactly(1, 2, 3);
        assertThat(Duration.between(tries.get(0), tries.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(380));
        assertThat(Duration.between(tries.get(1), tries.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(380));
        List<Message> dead = broker.drain(queue.deadLetterQueue());
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).getStringProperty(JmsQueue.DEAD_LETTER_REASON)).contains("ledger refused entry bad");
        assertThat(dead.get(0).getIntProperty(JmsQueue.ATTEMPTS)).isEqualTo(3);
        assertThat(dead.get(0).getStringProperty(JmsQueue.ORIGINAL_QUEUE)).isEqualTo(queue.queue());
        assertThat(broker.count(queue.queue())).isZero();
    }

    @Test
    void aKilledMessageIsDeadLetteredAtOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        start(1, 1, job -> {
            runs.incrementAndGet();
            return Outcome.kill("account " + job.payload().id() + " is closed");
        });

        queue.send(new Order("acme", 5));

        await().atMost(Duration.ofSeconds(10)).until(() -> broker.count(queue.deadLetterQueue()) == 1);
        Message dead = broker.drain(queue.deadLetterQueue()).get(0);
        assertThat(dead.getStringProperty(JmsQueue.DEAD_LETTER_REASON)).contains("account acme is closed");
        assertThat(dead.getIntProperty(JmsQueue.ATTEMPTS)).isEqualTo(1);
        assertThat(runs).hasValue(1);
    }

    @Test
    void aMessageThatCannotBeDecodedIsDeadLetteredAtOnceWithoutRunning() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        start(1, 2, job -> {
            seen.add(job.payload().id());
            return Outcome.done();
        });

        try (JMSContext context = broker.inVm().createContext()) {
            context.createProducer().send(context.createQueue(queue.queue()), "{\"id\": [not json");
        }
        queue.send(new Order("good", 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> broker.count(queue.deadLetterQueue()) == 1
                && seen.contains("good"));
        Message dead = broker.drain(queue.deadLetterQueue()).get(0);
        assertThat(dead.getStringProperty(JmsQueue.DEAD_LETTER_REASON)).startsWith("cannot decode as "
                + Order.class.getName());
        assertThat(dead.getBody(String.class)).isEqualTo("{\"id\": [not json");
        assertThat(seen).containsExactly("good");
    }

    @Test
    void aMessageSentForLaterDoesNotDelayTheNextMessageSentFromTheSameSender() {
        // the queue reuses its sending contexts, and a JMS producer's delivery delay belongs to the context's producer
        Map<String, Long> ranAt = new ConcurrentHashMap<>();
        start(1, 2, job -> {
            ranAt.put(job.payload().id(), System.currentTimeMillis());
            return Outcome.done();
        });

        queue.send(new Order("later", 1), JobOptions.defaults().withDelay(Duration.ofSeconds(30)));
        long sent = System.currentTimeMillis();
        queue.send(new Order("now", 2));

        await().atMost(Duration.ofSeconds(20)).until(() -> ranAt.containsKey("now"));
        assertThat(ranAt.get("now") - sent).as("ms until the message sent for now ran").isLessThan(10_000);
        assertThat(ranAt).doesNotContainKey("later");
    }

    @Test
    void aDelayedMessageIsNotDeliveredBeforeItsTime() {
        AtomicLong ranAt = new AtomicLong();
        start(1, 1, job -> {
            ranAt.set(System.currentTimeMillis());
            return Outcome.done();
        });

        long sent = System.currentTimeMillis();
        queue.send(new Order("later", 1), JobOptions.defaults().withDelay(Duration.ofMillis(700)));

        await().atMost(Duration.ofSeconds(10)).until(() -> ranAt.get() != 0);
        assertThat(ranAt.get() - sent).isGreaterThanOrEqualTo(690);
    }

    @Test
    void consumersTakeNoMoreMessagesThanFreeSlotsAndAGracefulStopLeavesTheRestOnTheQueue() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        // Artemis clients buffer messages ahead of receive calls unless told not to: the broker would count those as
        // delivered too
        start(broker.inVm("consumerWindowSize=0"), 1, 2, job -> {
            started.incrementAndGet();
            release.await(20, TimeUnit.SECONDS);
            finished.incrementAndGet();
            return Outcome.done();
        });
        for (int i = 0; i < 10; i++) {
            queue.send(new Order("o" + i, i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 2);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                .until(() -> broker.delivering(queue.queue()) == 2);

        Thread stopper = new Thread(monitor::stop);
        stopper.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> stopper.getState() == Thread.State.TIMED_WAITING
                || stopper.getState() == Thread.State.WAITING);
        release.countDown();
        stopper.join(20_000);

        assertThat(finished).hasValue(2);
        assertThat(started).hasValue(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.count(queue.queue()) == 8);
        assertThat(broker.count(queue.deadLetterQueue())).isZero();
    }

    @Test
    void metadataPriorityAndUniqueKeyTravelAsMessagePropertiesAndBackIntoTheJob() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        List<dev.apiary.JobContext> runs = new CopyOnWriteArrayList<>();
        start(1, 1, job -> {
            runs.add(job.context());
            throw new IllegalStateException("warehouse closed");
        });

        queue.send(new Order("o1", 1), JobOptions.defaults().withMaxAttempts(2).withPriority(3)
                .withUniqueKey("order-o1").withMetadata("traceparent", traceparent).withMetadata("tenant", "acme"));

        // each attempt's job, the retry's re-sent copy included, has the metadata and priority it was pushed with
        await().atMost(Duration.ofSeconds(20)).until(() -> broker.count(queue.deadLetterQueue()) == 1);
        assertThat(runs).extracting(dev.apiary.JobContext::attempt).containsExactly(1, 2);
        assertThat(runs).allSatisfy(c -> {
            assertThat(c.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("traceparent", traceparent,
                    "tenant", "acme"));
            assertThat(c.priority()).isEqualTo(3);
        });
        // and the dead letter carries them as properties, the trace context as a property of its own too
        Message dead = broker.drain(queue.deadLetterQueue()).get(0);
        assertThat(dead.getStringProperty(JmsQueue.TRACEPARENT)).isEqualTo(traceparent);
        assertThat(dead.getStringProperty(JmsQueue.UNIQUE_KEY)).isEqualTo("order-o1");
        assertThat(dead.getIntProperty(JmsQueue.PRIORITY)).isEqualTo(3);
        assertThat(dead.getJMSPriority()).isEqualTo(7);
        assertThat(dead.getStringProperty(JmsQueue.METADATA)).contains("\"tenant\":\"acme\"");
    }

    @Test
    void aStoppedMonitorLeavesNoApiaryThreadBehindItsJmsConsumers() {
        java.util.Set<Thread> before = ApiaryThreads.alive();
        AtomicInteger handled = new AtomicInteger();
        start(2, 4, job -> {
            handled.incrementAndGet();
            // a retry, so that the worker's scheduler also times a re-delivery
            return job.context().attempt() == 1 && job.payload().amount() == 0 ? Outcome.retryAfter(Duration.ofSeconds(30), "later")
                    : Outcome.done();
        });
        for (int i = 0; i < 20; i++) {
            queue.send(new Order("o" + i, i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.get() >= 20);
        assertThat(ApiaryThreads.alive()).isNotEmpty();

        monitor.stop();
        queue.close();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(ApiaryThreads.aliveBesides(before)).isEmpty());
    }

    @Test
    void aDeliveryHasTheUniqueKeyAndATraceparentFromAnotherProducer() throws Exception {
        queue = JmsQueue.builder(broker.inVm(), "orders-" + QUEUES.incrementAndGet(), Order.class)
                .receiveTimeout(Duration.ofSeconds(1)).build();
        queue.send(new Order("o1", 1), JobOptions.defaults().withUniqueKey("order-o1").withPriority(-2));
        // a producer that is not Apiary, with a trace context as OpenTelemetry's JMS instrumentation sets it
        try (JMSContext context = broker.inVm().createContext()) {
            jakarta.jms.TextMessage m = context.createTextMessage("{\"id\":\"o2\",\"amount\":2}");
            m.setStringProperty("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            context.createProducer().setPriority(9).send(context.createQueue(queue.queue()), m);
        }
        List<dev.apiary.spi.MessageQueue.Delivery<Order>> deliveries = new CopyOnWriteArrayList<>();
        // settled as they come: a consumer's client may hold both messages until its first is settled
        java.util.concurrent.ScheduledExecutorService threads = java.util.concurrent.Executors.newScheduledThreadPool(2);
        dev.apiary.spi.MessageQueue.Receiver<Order> receiver = new dev.apiary.spi.MessageQueue.Receiver<>() {
            @Override
            public void onDelivery(dev.apiary.spi.MessageQueue.Delivery<Order> d) {
                deliveries.add(d);
                d.ack();
            }

            @Override
            public java.util.concurrent.Executor executor() {
                return threads;
            }

            @Override
            public java.util.concurrent.ScheduledExecutorService scheduler() {
                return threads;
            }
        };
        try (dev.apiary.spi.MessageQueue.Consumption c = queue.open(receiver)) {
            c.request(2);
            await().atMost(Duration.ofSeconds(10)).until(() -> deliveries.size() == 2);
        } finally {
            threads.shutdownNow();
        }
        Map<String, dev.apiary.spi.MessageQueue.Delivery<Order>> byId = new java.util.HashMap<>();
        deliveries.forEach(d -> byId.put(d.payload().id(), d));
        assertThat(byId.get("o1").uniqueKey()).isEqualTo("order-o1");
        assertThat(byId.get("o1").priority()).isEqualTo(-2);
        assertThat(byId.get("o1").metadata()).isEmpty();
        assertThat(byId.get("o2").uniqueKey()).isNull();
        assertThat(byId.get("o2").priority()).isEqualTo(5);
        assertThat(byId.get("o2").metadata()).containsExactly(Map.entry("traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    }
}
