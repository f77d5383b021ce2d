package dev.apiary.jms;

import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.impl.mq.MessageQueueContract;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.spi.MessageQueue;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The message-queue contract on a {@link JmsQueue} on an embedded ActiveMQ Artemis broker. The broker times delayed
 * deliveries on the wall clock, so time here is real: the contract waits for conditions (a delivery made, the
 * consumers' receives all returned), never for a fixed time. The connection factory buffers nothing ahead
 * ({@code consumerWindowSize=0}), so each message waits in the broker until a consumer slot receives it.
 */
class JmsMessageQueueTest extends MessageQueueContract {

    private static final JsonbCodec CODEC = new JsonbCodec();
    private static EmbeddedBroker broker;

    private JmsQueue<ContractPayload> jms;
    /** What was drained from the dead-letter queue so far: draining takes the messages out of the broker. */
    private final List<DeadLetter> deadLetters = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @Override
    protected Timeline newTimeline() {
        return new RealTimeline();
    }

    @Override
    protected MessageQueue<ContractPayload> newQueue(String name, Clock clock) {
        jms = JmsQueue.builder(broker.inVm("consumerWindowSize=0"), name, ContractPayload.class)
                .receiveTimeout(Duration.ofMillis(500)).build();
        return jms;
    }

    @Override
    protected void closeQueue() {
        jms.close();
    }

    /** A short delay: the broker waits for it on the wall clock. */
    @Override
    protected Duration retryDelay() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected List<DeadLetter> deadLetters() {
        for (Message m : broker.drain(jms.deadLetterQueue())) {
            try {
                deadLetters.add(new DeadLetter(CODEC.decode(((TextMessage) m).getText(), ContractPayload.class),
                        m.getStringProperty(JmsQueue.DEAD_LETTER_REASON), m.getIntProperty(JmsQueue.ATTEMPTS)));
            } catch (JMSException e) {
                throw new AssertionError("cannot read dead letter " + m, e);
            }
        }
        return List.copyOf(deadLetters);
    }

    /**
     * Overridden: a JMS consumer slot that settled its delivery waits for the next message at once, counting on the
     * consumer to ask for one more per settlement, as a worker does (it claims again for the slot it freed). So the
     * demand a JMS queue respects is the deliveries held at once, not the deliveries in all.
     */
    @Override
    @Test
    public void settlingADeliveryDoesNotAskForAnother() {
        Recorder r = open();
        send(payload(1));
        send(payload(2));
        send(payload(3));
        requestAndReceive(r, 1, 1);

        r.delivery(0).ack();

        r.awaitDeliveries(2);
        assertThat(r.delivery(1).payload()).isEqualTo(payload(2));
        timeline.settleDown();
        assertThat(r.deliveries()).as("one held at once, as requested").hasSize(2);
    }

    @Test
    void aMessageThatCannotBeDecodedIsDeadLetteredWithoutBeingDelivered() {
        Recorder r = open();
        try (var context = broker.inVm().createContext()) {
            context.createProducer().send(context.createQueue(queue.queue()), "not json");
        }
        send(payload(2));

        requestAndReceive(r, 1, 1);

        assertThat(r.delivery(0).payload()).isEqualTo(payload(2));
        timeline.until("the broken message dead-lettered", () -> broker.count(jms.deadLetterQueue()) == 1);
    }

    /** Real threads, counted, so that a test can wait until no receive is under way. */
    private static final class RealTimeline implements Timeline {
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger running = new AtomicInteger();
        private final Executor counted = task -> {
            running.incrementAndGet();
            try {
                threads.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        running.decrementAndGet();
                    }
                });
            } catch (RuntimeException refused) {
                running.decrementAndGet();
                throw refused;
            }
        };

        @Override
        public Clock clock() {
            return Clock.systemUTC();
        }

        @Override
        public Executor executor() {
            return counted;
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        /** The broker's time passes by itself; {@link #until} waits for what it brings. */
        @Override
        public void pass(Duration step) {
        }

        /** Every requested delivery is made, so every receive returns; a consumer still receiving took more. */
        @Override
        public void settleDown() {
            until("no receive under way", () -> running.get() == 0);
        }

        @Override
        public void until(String what, BooleanSupplier condition) {
            await(what).atMost(Duration.ofSeconds(30)).until(condition::getAsBoolean);
        }

        @Override
        public void close() {
            scheduler.shutdownNow();
            threads.shutdownNow();
            try {
                threads.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
