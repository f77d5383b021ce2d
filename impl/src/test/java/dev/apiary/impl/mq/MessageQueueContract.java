package dev.apiary.impl.mq;

import dev.apiary.JobOptions;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.MessageQueue.Consumption;
import dev.apiary.spi.MessageQueue.Delivery;
import dev.apiary.spi.MessageQueue.Receiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract every {@link MessageQueue} keeps, written once and run against each implementation (in memory, a
 * {@code Flow.Publisher}, a JMS broker): delivery only on request, acknowledgement, a retry at its instant as the next
 * attempt, dead-lettering, hand-back without counting the attempt, and close. Each test has a queue of its own.
 *
 * <p>Time and threads come from the implementation's {@link Timeline}: a manual clock and scheduler where the queue
 * times its own work (a retry's instant is then a step of the clock), the real ones where a broker does.
 * Where a behaviour does not apply to an implementation, its subclass overrides the test and says why (the tests are
 * public for that, as subclasses live in other packages).
 */
public abstract class MessageQueueContract {

    private static final AtomicInteger QUEUES = new AtomicInteger();

    protected Timeline timeline;
    protected MessageQueue<ContractPayload> queue;
    private final List<Consumption> consumptions = new ArrayList<>();

    /** The time and threads the queue's consumers get, and how a test lets time pass. */
    public interface Timeline extends AutoCloseable {

        /** The clock the queue reads, and the test stamps arrivals with. */
        Clock clock();

        /** The consumer's executor ({@link Receiver#executor()}). */
        Executor executor();

        /** The consumer's scheduler ({@link Receiver#scheduler()}). */
        ScheduledExecutorService scheduler();

        /** Lets {@code step} pass: a manual clock moves and runs what fell due; a real one passes by itself. */
        void pass(Duration step);

        /**
         * Lets the queue finish what it does now. Called only once every requested delivery is made, so that a
         * queue that is right has nothing left to do and one that delivers unasked shows it.
         */
        void settleDown();

        /** Holds once {@code condition} does: at once with manual time, within a generous bound with real time. */
        void until(String what, BooleanSupplier condition);

        @Override
        void close();
    }

    /** A dead-lettered message as the implementation keeps it. */
    public record DeadLetter(ContractPayload payload, String reason, int attempts) {
    }

    /** The time and threads for this test's queue. */
    protected abstract Timeline newTimeline();

    /** A new, empty queue named {@code name}, reading the time from {@code clock}. */
    protected abstract MessageQueue<ContractPayload> newQueue(String name, Clock clock);

    /** Sends {@code payload} to the queue; a stream's subclass offers it to its publisher instead. */
    protected void send(ContractPayload payload, JobOptions options) {
        queue.send(payload, options);
    }

    /** What the queue dead-lettered so far, oldest first. */
    protected abstract List<DeadLetter> deadLetters();

    /**
     * How long a retry or a message sent for later waits: an hour of manual time by default; a queue that a broker
     * times on the wall clock needs a short one.
     */
    protected Duration retryDelay() {
        return Duration.ofHours(1);
    }

    /** Releases what the queue holds beyond the timeline (a broker connection). */
    protected void closeQueue() {
    }

    @BeforeEach
    void createQueue(TestInfo info) {
        timeline = newTimeline();
        queue = newQueue(info.getTestMethod().orElseThrow().getName() + "-" + QUEUES.incrementAndGet(),
                timeline.clock());
    }

    @AfterEach
    void closeAll() {
        try {
            consumptions.forEach(Consumption::close);
            closeQueue();
        } finally {
            timeline.close();
        }
    }

    protected static ContractPayload payload(int n) {
        return new ContractPayload("message-" + n, n);
    }

    protected void send(ContractPayload payload) {
        send(payload, JobOptions.defaults());
    }

    /** Opens a consumption that records what it is given, and closes it after the test. */
    protected Recorder open() {
        Recorder recorder = new Recorder();
        recorder.consumption = queue.open(recorder);
        consumptions.add(recorder.consumption);
        return recorder;
    }

    /** Requests {@code n} more and holds once {@code total} deliveries in all have been made. */
    protected static void requestAndReceive(Recorder r, int n, int total) {
        r.request(n);
        r.awaitDeliveries(total);
    }

    @Test
    public void aSentMessageIsDeliveredOnRequestAsItsFirstAttempt() {
        Recorder r = open();
        send(payload(1));

        requestAndReceive(r, 1, 1);

        Delivery<ContractPayload> d = r.delivery(0);
        assertThat(d.payload()).isEqualTo(payload(1));
        assertThat(d.id()).isNotBlank();
        assertThat(d.attempt()).isEqualTo(1);
        assertThat(d.maxAttempts()).isPositive();
        assertThat(d.enqueuedAt()).isNotNull();
    }

    @Test
    public void aMessageCarriesTheAttemptBudgetAndMetadataItWasSentWith() {
        Recorder r = open();
        send(payload(1), JobOptions.defaults().withMaxAttempts(7).withMetadata("tenant", "acme"));

        requestAndReceive(r, 1, 1);

        assertThat(r.delivery(0).maxAttempts()).isEqualTo(7);
        assertThat(r.delivery(0).metadata()).containsEntry("tenant", "acme");
    }

    @Test
    public void aMessageSentForLaterIsDeliveredAtItsTime() {
        Recorder r = open();
        Instant at = timeline.clock().instant().plus(retryDelay());
        send(payload(2));
        send(payload(1), JobOptions.defaults().withRunAt(at));

        requestAndReceive(r, 1, 1);
        assertThat(r.delivery(0).payload()).as("the message due now").isEqualTo(payload(2));
        r.delivery(0).ack();
        r.request(1);
        timeline.pass(retryDelay().dividedBy(2));
        assertThat(r.deliveries()).as("half-way to the first one's time").hasSize(1);
        timeline.pass(retryDelay().dividedBy(2));
        r.awaitDeliveries(2);

        assertThat(r.delivery(1).payload()).isEqualTo(payload(1));
        assertThat(r.delivery(1).attempt()).isEqualTo(1);
        // a broker schedules in whole milliseconds
        assertThat(r.arrival(1)).as("not before its time").isAfterOrEqualTo(at.minusMillis(2));
    }

    @Test
    public void nothingIsDeliveredBeyondWhatWasRequested() {
        Recorder r = open();
        send(payload(1));
        send(payload(2));
        send(payload(3));
        timeline.settleDown();
        assertThat(r.deliveries()).as("nothing requested yet").isEmpty();

        requestAndReceive(r, 2, 2);
        timeline.settleDown();

        assertThat(r.deliveries()).as("two requested").hasSize(2);
        requestAndReceive(r, 1, 3);
        assertThat(r.deliveries()).extracting(Delivery::payload)
                .containsExactlyInAnyOrder(payload(1), payload(2), payload(3));
        assertThat(r.deliveries()).extracting(Delivery::id).doesNotHaveDuplicates();
    }

    @Test
    public void settlingADeliveryDoesNotAskForAnother() {
        Recorder r = open();
        send(payload(1));
        send(payload(2));
        requestAndReceive(r, 1, 1);

        r.delivery(0).ack();
        timeline.settleDown();

        assertThat(r.deliveries()).as("one requested in all").hasSize(1);
        requestAndReceive(r, 1, 2);
        assertThat(r.delivery(1).payload()).isEqualTo(payload(2));
    }

    @Test
    public void anAcknowledgedMessageIsNotDeliveredAgain() {
        Recorder r = open();
        send(payload(1));
        requestAndReceive(r, 1, 1);

        r.delivery(0).ack();
        send(payload(2));
        requestAndReceive(r, 1, 2);

        // the queue is in send order, so a first message that came back would have come before the second
        assertThat(r.delivery(1).payload()).isEqualTo(payload(2));
        assertThat(r.delivery(1).id()).isNotEqualTo(r.delivery(0).id());
    }

    @Test
    public void aRetryIsDeliveredAtItsInstantAsTheNextAttempt() {
        Recorder r = open();
        send(payload(1), JobOptions.defaults().withMaxAttempts(3));
        requestAndReceive(r, 1, 1);
        Delivery<ContractPayload> first = r.delivery(0);
        Instant at = timeline.clock().instant().plus(retryDelay());

        first.retry(at, "boom");
        r.request(1);
        timeline.pass(retryDelay().dividedBy(2));
        assertThat(r.deliveries()).as("half-way to the retry's instant").hasSize(1);
        timeline.pass(retryDelay().dividedBy(2));
        r.awaitDeliveries(2);

        Delivery<ContractPayload> second = r.delivery(1);
        // a broker schedules in whole milliseconds
        assertThat(r.arrival(1)).as("not before the retry's instant").isAfterOrEqualTo(at.minusMillis(2));
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.payload()).isEqualTo(payload(1));
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.maxAttempts()).isEqualTo(first.maxAttempts());
        assertThat(second.enqueuedAt()).isEqualTo(first.enqueuedAt());
    }

    @Test
    public void aRetryNotYetDueIsNotDelivered() {
        Recorder r = open();
        send(payload(1));
        requestAndReceive(r, 1, 1);

        r.delivery(0).retry(timeline.clock().instant().plus(Duration.ofHours(1)), "later");
        send(payload(2));
        requestAndReceive(r, 1, 2);

        assertThat(r.delivery(1).payload()).as("the due message first").isEqualTo(payload(2));
    }

    @Test
    public void aDeadLetteredMessageIsKeptWithItsReasonAndAttempts() {
        Recorder r = open();
        send(payload(1), JobOptions.defaults().withMaxAttempts(5));
        requestAndReceive(r, 1, 1);
        r.delivery(0).retry(timeline.clock().instant(), "first failure");
        requestAndReceive(r, 1, 2);

        r.delivery(1).deadLetter("gave up");

        timeline.until("a dead letter", () -> !deadLetters().isEmpty());
        assertThat(deadLetters()).containsExactly(new DeadLetter(payload(1), "gave up", 2));
        send(payload(2));
        requestAndReceive(r, 1, 3);
        assertThat(r.delivery(2).payload()).as("not delivered again").isEqualTo(payload(2));
    }

    @Test
    public void aReleasedMessageComesBackWithoutCountingTheAttempt() {
        Recorder r = open();
        send(payload(1), JobOptions.defaults().withMaxAttempts(2));
        requestAndReceive(r, 1, 1);
        Delivery<ContractPayload> first = r.delivery(0);

        first.release();
        requestAndReceive(r, 1, 2);

        Delivery<ContractPayload> again = r.delivery(1);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.payload()).isEqualTo(payload(1));
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(again.maxAttempts()).isEqualTo(first.maxAttempts());
    }

    @Test
    public void aClosedConsumptionTakesNoMoreAndItsMessagesWaitForTheNext() {
        Recorder first = open();
        send(payload(1));
        requestAndReceive(first, 2, 1);

        first.close();
        send(payload(2));
        timeline.settleDown();
        first.delivery(0).ack();

        assertThat(first.deliveries()).as("requested before the close, not made").hasSize(1);
        Recorder second = open();
        requestAndReceive(second, 1, 1);
        assertThat(second.delivery(0).payload()).isEqualTo(payload(2));
        assertThat(second.delivery(0).attempt()).isEqualTo(1);
    }

    /** A receiver that records its deliveries and when they came (on the timeline's clock). */
    protected final class Recorder implements Receiver<ContractPayload> {
        private final List<Delivery<ContractPayload>> deliveries = new CopyOnWriteArrayList<>();
        private final List<Instant> arrivals = new CopyOnWriteArrayList<>();
        private volatile boolean complete;
        Consumption consumption;

        @Override
        public void onDelivery(Delivery<ContractPayload> delivery) {
            arrivals.add(timeline.clock().instant());
            deliveries.add(delivery);
        }

        @Override
        public void onComplete() {
            complete = true;
        }

        @Override
        public Executor executor() {
            return timeline.executor();
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return timeline.scheduler();
        }

        public void request(int n) {
            consumption.request(n);
        }

        public void close() {
            consumption.close();
        }

        public List<Delivery<ContractPayload>> deliveries() {
            return List.copyOf(deliveries);
        }

        public Delivery<ContractPayload> delivery(int i) {
            return deliveries.get(i);
        }

        public Instant arrival(int i) {
            return arrivals.get(i);
        }

        public boolean isComplete() {
            return complete;
        }

        public void awaitDeliveries(int total) {
            timeline.until(total + " deliveries", () -> deliveries.size() >= total);
            assertThat(deliveries).as("deliveries").hasSize(total);
        }
    }
}
