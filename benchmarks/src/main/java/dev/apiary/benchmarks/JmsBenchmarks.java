package dev.apiary.benchmarks;

import dev.apiary.Outcome;
import dev.apiary.jms.EmbeddedBroker;
import dev.apiary.jms.JmsQueue;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Draining a JMS queue on an embedded ActiveMQ Artemis (in-VM): an Apiary worker with {@value #SLOTS} slots against
 * {@value #SLOTS} plain consumer threads that each receive and commit one message at a time in a transacted session,
 * the same guarantee (a message is removed only when its work is done). Both see the same broker in the same run.
 */
final class JmsBenchmarks implements AutoCloseable {

    static final int SLOTS = 8;
    private static final AtomicInteger QUEUES = new AtomicInteger();

    private final EmbeddedBroker broker;
    private final ConnectionFactory factory;

    JmsBenchmarks() throws Exception {
        broker = EmbeddedBroker.start();
        factory = broker.inVm();
    }

    /** Sends {@code n} JSON messages through Apiary's sender. */
    private String fill(int n) {
        String queue = "bench-" + QUEUES.incrementAndGet();
        try (JmsQueue<Noop> sender = JmsQueue.builder(factory, queue, Noop.class).build()) {
            for (int i = 0; i < n; i++) {
                sender.send(new Noop(i, 0));
            }
        }
        return queue;
    }

    /** Messages per second through an Apiary worker. */
    double apiaryDrain(int n) throws InterruptedException {
        String queue = fill(n);
        CountDownLatch done = new CountDownLatch(n);
        try (JmsQueue<Noop> source = JmsQueue.builder(factory, queue, Noop.class).build()) {
            Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
            monitor.register(WorkerBuilder.named(queue).source(source.asSource()).concurrency(SLOTS)
                    .handler(job -> {
                        done.countDown();
                        return Outcome.done();
                    }));
            long start = System.nanoTime();
            monitor.start();
            await(done, n);
            long took = System.nanoTime() - start;
            monitor.stop();
            return n / (took / 1e9);
        }
    }

    /** Messages per second through plain transacted consumers. */
    double plainDrain(int n) throws InterruptedException {
        String queue = fill(n);
        CountDownLatch done = new CountDownLatch(n);
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        try (JMSContext connection = factory.createContext(JMSContext.SESSION_TRANSACTED)) {
            for (int t = 0; t < SLOTS; t++) {
                JMSContext session = connection.createContext(JMSContext.SESSION_TRANSACTED);
                Thread thread = new Thread(() -> {
                    try (session; JMSConsumer consumer = session.createConsumer(session.createQueue(queue))) {
                        while (done.getCount() > 0) {
                            Message m = consumer.receive(100);
                            if (m != null) {
                                m.getBody(String.class);
                                session.commit();
                                done.countDown();
                            }
                        }
                    } catch (JMSRuntimeException | jakarta.jms.JMSException e) {
                        throw new IllegalStateException(e);
                    }
                }, "plain-jms-" + t);
                threads.add(thread);
                thread.start();
            }
            await(done, n);
            long took = System.nanoTime() - start;
            for (Thread thread : threads) {
                thread.join(5000);
            }
            return n / (took / 1e9);
        }
    }

    private static void await(CountDownLatch done, int n) throws InterruptedException {
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(done.getCount() + " of " + n + " messages left after 10 minutes");
        }
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }
}
