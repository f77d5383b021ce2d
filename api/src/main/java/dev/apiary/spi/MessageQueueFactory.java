package dev.apiary.spi;

import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Makes a {@link MessageQueue} for a CDI worker from configuration, found with {@link java.util.ServiceLoader}: a
 * module such as {@code apiary-jms} provides one, and a worker whose {@code apiary.workers.<name>.<kind>.destination}
 * is set takes its jobs from the queue it makes.
 */
public interface MessageQueueFactory {

    /** The configuration segment this factory answers to, such as {@code jms}. */
    String kind();

    /**
     * A queue for {@code payloadType} from the settings under {@code apiary.workers.<name>.<kind>.}.
     *
     * @param setting  a setting by its key below that prefix ({@code destination}, {@code connection-factory}, ...)
     * @param executor where the queue's consumers may wait for messages (the container's managed executor)
     */
    <T> MessageQueue<T> create(String workerName, Class<T> payloadType, Function<String, Optional<String>> setting,
                               Executor executor);
}
