package dev.apiary.spi;

import java.util.List;

/**
 * A broker-backed queue (Jakarta Messaging, a cloud queue): messages are delivered, then acknowledged or handed back.
 * A worker consumes one through an adapter that makes it a {@link JobSource}.
 *
 * @param <T> the message payload type
 */
public interface MessageQueue<T> {

    /** The queue's name. */
    String queue();

    /** Sends a message. */
    void enqueue(T message);

    /** Receives up to {@code max} messages without waiting; each stays invisible to others until acked or nacked. */
    List<Message<T>> dequeue(int max);

    /** Removes a delivered message for good. */
    void ack(String messageId);

    /** Hands a delivered message back for redelivery. */
    void nack(String messageId);

    /**
     * This queue as a worker's job source. A message that ends done, killed or failed is acked; one to be retried is
     * nacked for redelivery (brokers redeliver at once or after their own delay: a retry's instant is not kept);
     * each delivery is one attempt, and a delivery beyond {@code maxAttempts} fails without running the handler.
     */
    default JobSource<T> asSource(int maxAttempts) {
        return ApiaryProvider.instance().messageQueueSource(this, maxAttempts);
    }

    /** A delivered message: the broker's id, the payload and how often it was delivered (1 the first time). */
    record Message<T>(String id, T payload, int deliveries) {
    }
}
