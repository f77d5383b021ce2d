package dev.apiary.impl.mq;

import dev.apiary.JobOptions;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.spi.MessageQueue;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The message-queue contract on a {@link PublisherQueue}, on manual time. A stream is not a broker: its items are
 * emitted by the publisher (they are not sent), carry no options, are consumed once and have no dead-letter
 * destination. The tests of those behaviours are overridden below with what a stream does instead.
 */
class PublisherQueueTest extends MessageQueueContract {

    private static final int MAX_ATTEMPTS = 4;

    private Items items;

    @Override
    protected Timeline newTimeline() {
        return new ManualTimeline();
    }

    @Override
    protected MessageQueue<ContractPayload> newQueue(String name, Clock clock) {
        items = new Items();
        return new PublisherQueue<>(name, items, MAX_ATTEMPTS);
    }

    /** The publisher emits the item once it is asked for one. */
    @Override
    protected void send(ContractPayload payload, JobOptions options) {
        items.offer(payload);
    }

    /** Never asked: a stream has nowhere to put dead letters (see the override of the dead-letter test). */
    @Override
    protected List<DeadLetter> deadLetters() {
        throw new UnsupportedOperationException("a stream keeps no dead letters");
    }

    @Test
    void itemsAreNotSentButEmittedByThePublisher() {
        assertThatThrownBy(() -> queue.send(payload(1))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("cannot be sent to");
    }

    /** Overridden: a stream's items carry no options; each has the source's attempt budget and no metadata. */
    @Override
    @Test
    public void aMessageCarriesTheAttemptBudgetAndMetadataItWasSentWith() {
        Recorder r = open();
        send(payload(1));

        requestAndReceive(r, 1, 1);

        assertThat(r.delivery(0).maxAttempts()).isEqualTo(MAX_ATTEMPTS);
        assertThat(r.delivery(0).metadata()).isEmpty();
    }

    /**
     * Overridden: a stream's items carry no run-at; the publisher emits each when it is asked for one, and the
     * worker's layers, not the source, wait before an attempt.
     */
    @Override
    @Test
    public void aMessageSentForLaterIsDeliveredAtItsTime() {
        Recorder r = open();
        send(payload(1), JobOptions.defaults().withRunAt(timeline.clock().instant().plus(retryDelay())));

        requestAndReceive(r, 1, 1);

        assertThat(r.arrival(0)).as("at once").isEqualTo(timeline.clock().instant());
    }

    /**
     * Overridden: a stream has no dead-letter destination; the item is logged and dropped, settled for good, so the
     * stream completes once its publisher has.
     */
    @Override
    @Test
    public void aDeadLetteredMessageIsKeptWithItsReasonAndAttempts() {
        Recorder r = open();
        send(payload(1));
        requestAndReceive(r, 1, 1);
        r.delivery(0).retry(timeline.clock().instant(), "first failure");
        requestAndReceive(r, 1, 2);
        items.complete();
        assertThat(r.isComplete()).as("an item is still unsettled").isFalse();

        r.delivery(1).deadLetter("gave up");

        timeline.settleDown();
        assertThat(r.isComplete()).as("the stream ends: nothing is left to deliver").isTrue();
        assertThat(r.deliveries()).as("not delivered again").hasSize(2);
    }

    /**
     * Overridden: a publisher's items are consumed once, so a closed consumption has no successor; closing cancels
     * the subscription, what the publisher would emit later is not asked for, and deliveries already made can still be
     * settled.
     */
    @Override
    @Test
    public void aClosedConsumptionTakesNoMoreAndItsMessagesWaitForTheNext() {
        Recorder first = open();
        send(payload(1));
        requestAndReceive(first, 2, 1);

        first.close();
        send(payload(2));
        timeline.settleDown();
        first.delivery(0).ack();

        assertThat(items.cancelled).as("the subscription is cancelled").isTrue();
        assertThat(first.deliveries()).as("requested before the close, not made").hasSize(1);
        assertThatThrownBy(this::open).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("consumed once");
    }

    /** A publisher that emits what the test offers, on the requesting or offering thread, only as far as asked. */
    private static final class Items implements Flow.Publisher<ContractPayload> {
        private final ArrayDeque<ContractPayload> waiting = new ArrayDeque<>();
        private Flow.Subscriber<? super ContractPayload> subscriber;
        private long demand;
        private boolean emitting;
        volatile boolean cancelled;

        @Override
        public void subscribe(Flow.Subscriber<? super ContractPayload> s) {
            synchronized (this) {
                subscriber = s;
            }
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    synchronized (Items.this) {
                        demand += n;
                    }
                    emit();
                }

                @Override
                public void cancel() {
                    cancelled = true;
                }
            });
        }

        void offer(ContractPayload item) {
            synchronized (this) {
                waiting.add(item);
            }
            emit();
        }

        void complete() {
            subscriber.onComplete();
        }

        /** Emits while asked; not re-entered from a delivery that asks for more. */
        private void emit() {
            while (true) {
                ContractPayload next;
                Flow.Subscriber<? super ContractPayload> s;
                synchronized (this) {
                    if (emitting || cancelled || subscriber == null || demand == 0 || waiting.isEmpty()) {
                        return;
                    }
                    emitting = true;
                    demand--;
                    next = waiting.poll();
                    s = subscriber;
                }
                try {
                    s.onNext(next);
                } finally {
                    synchronized (this) {
                        emitting = false;
                    }
                }
            }
        }
    }
}
