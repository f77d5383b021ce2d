package dev.apiary.spi;

/** Entry point to the in-memory storage, for tests and single-process applications. */
public final class InMemory {

    private InMemory() {
    }

    /** A new, empty, thread-safe in-memory storage for one queue. Jobs are lost when the process ends. */
    public static <T> JobStorage<T> storage(String queue, Class<T> payloadType) {
        return ApiaryProvider.instance().newInMemoryStorage(queue, payloadType);
    }

    /**
     * A new, empty, thread-safe in-memory message queue with the whole {@link MessageQueue} contract (delayed
     * retries, hand-back, a dead-letter list). Messages are lost when the process ends. For tests of message-driven
     * workers.
     */
    public static <T> MessageQueue<T> messageQueue(String queue) {
        return ApiaryProvider.instance().newInMemoryMessageQueue(queue);
    }
}
