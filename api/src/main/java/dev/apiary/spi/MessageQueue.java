package dev.apiary.spi;

import dev.apiary.JobOptions;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A broker-backed queue (a Jakarta Messaging destination, a cloud queue, a stream): messages are sent, then delivered
 * to a consumer that asked for them, and each delivery is settled exactly once through its own handle.
 *
 * <p>The contract a worker relies on: delivery is at least once (a delivery that is never settled, because its
 * consumer died, comes back); a consumer gets no more deliveries than it has requested; a retry can be delayed; and an
 * unstarted delivery can be handed back without counting an attempt. A delivery's handle may be settled from any
 * thread, but only once; an implementation keeps whatever single-threaded resource it needs (a JMS session) behind
 * that handle. A worker consumes a queue through {@link #asSource()}.
 *
 * @param <T> the message payload type
 */
public interface MessageQueue<T> {

    /** The queue's name. */
    String queue();

    /**
     * Sends a message, to be delivered no earlier than the options' run-at, with their attempt budget, and returns
     * its id. Joins the caller's transaction where the implementation's connection is transactional.
     */
    String send(T payload, JobOptions options);

    /** Sends a message to be delivered now, with the default attempt budget, and returns its id. */
    default String send(T payload) {
        return send(payload, JobOptions.defaults());
    }

    /**
     * Starts a consumption: deliveries go to {@code receiver} as they arrive (woken by the broker, not polled), never
     * more in all than {@link Consumption#request requested}. A message that cannot be decoded is moved to the
     * dead-letter destination at once and not delivered.
     */
    Consumption open(Receiver<T> receiver);

    /** Whether the broker can be reached now (used by readiness checks). */
    default boolean isAvailable() {
        return true;
    }

    /**
     * This queue as a worker's job source: each delivery is one attempt; done acknowledges it, a retry re-delivers it
     * at the retry's instant while attempts remain, and a kill or a failure after the last attempt dead-letters it.
     */
    default JobSource<T> asSource() {
        return ApiaryProvider.instance().messageQueueSource(this);
    }

    /** Where deliveries go; called from the implementation's threads. */
    interface Receiver<T> {

        /** One delivered message, held for this receiver until settled. */
        void onDelivery(Delivery<T> delivery);

        /** The source has no more messages, ever (a finished stream). */
        default void onComplete() {
        }

        /**
         * Where the queue runs tasks that wait for the broker (a consumer's receive): the consuming worker's
         * executor, so that the queue starts no thread of its own. A receiver that has none throws
         * {@link UnsupportedOperationException}.
         */
        default Executor executor() {
            throw new UnsupportedOperationException("this receiver offers no executor; consume the queue through a "
                    + "worker (asSource()) or give the receiver one");
        }

        /**
         * What times the queue's delayed work (a retry at its instant, a reconnect after its backoff): the consuming
         * worker's scheduler. A receiver that has none throws {@link UnsupportedOperationException}.
         */
        default ScheduledExecutorService scheduler() {
            throw new UnsupportedOperationException("this receiver offers no scheduler; consume the queue through a "
                    + "worker (asSource()) or give the receiver one");
        }
    }

    /** A running consumption. */
    interface Consumption extends AutoCloseable {

        /** Asks for up to {@code n} more deliveries. */
        void request(int n);

        /**
         * Stops taking messages. Deliveries already made stay valid until settled; requested ones not yet made are
         * not made.
         */
        @Override
        void close();
    }

    /**
     * One delivered message and the way to settle it. Exactly one of the settling methods is called, once.
     *
     * @param <T> the payload type
     */
    interface Delivery<T> {

        /** A stable id: the same on every delivery of one message, retries included. */
        String id();

        T payload();

        /** This delivery's attempt, 1 the first time; counts retries and deliveries lost with a consumer. */
        int attempt();

        int maxAttempts();

        /** When the message was first sent. */
        Instant enqueuedAt();

        /** The metadata the message was sent with (the push's {@code traceparent} included). */
        default Map<String, String> metadata() {
            return Map.of();
        }

        /** The priority the message was sent with; 0 when it carries none. */
        default int priority() {
            return 0;
        }

        /** The unique key the message was sent with, or {@code null}; carried, not enforced by a broker. */
        default String uniqueKey() {
            return null;
        }

        /** The message is done: remove it for good. */
        void ack();

        /** Deliver it again not before {@code at}, as attempt {@link #attempt()} + 1. */
        void retry(Instant at, String error);

        /** Move it to the dead-letter destination with the reason and the attempts made. */
        void deadLetter(String reason);

        /** Hand it back unstarted: it is delivered again, and this attempt does not count. */
        void release();
    }
}
