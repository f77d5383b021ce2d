package dev.apiary.impl.cdi;

import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import dev.apiary.JobResult;
import dev.apiary.spi.MessageQueue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** The {@link JobQueue} injected for a message queue: sends to it (a unique key is not supported by brokers). */
final class MessageQueueJobQueue<T> implements JobQueue<T> {

    private final Supplier<MessageQueue<T>> queue;

    /** {@code queue} is asked for the queue at the first use, not before. */
    MessageQueueJobQueue(Supplier<MessageQueue<T>> queue) {
        this.queue = queue;
    }

    @Override
    public String name() {
        return queue.get().queue();
    }

    @Override
    public String push(T payload) {
        return queue.get().send(payload);
    }

    @Override
    public String push(T payload, JobOptions options) {
        if (options.uniqueKey() != null) {
            throw new UnsupportedOperationException("Queue '" + name() + "' is a message queue, which cannot refuse a "
                    + "duplicate: push without a unique key, or use a JobStorage for this queue");
        }
        return queue.get().send(payload, options);
    }

    @Override
    public String pushJson(String json, JobOptions options) {
        throw new UnsupportedOperationException("Queue '" + name() + "' is a message queue, which takes payloads, not"
                + " JSON text: push the decoded payload, or send the JSON to the broker's destination yourself");
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads) {
        return pushAll(payloads, JobOptions.defaults());
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        List<String> ids = new ArrayList<>(payloads.size());
        for (T payload : payloads) {
            ids.add(push(payload, options));
        }
        return ids;
    }

    @Override
    public String schedule(T payload, Instant at) {
        return push(payload, JobOptions.defaults().withRunAt(at));
    }

    @Override
    public String schedule(T payload, Duration delay) {
        return push(payload, JobOptions.defaults().withDelay(delay));
    }

    @Override
    public <R> Optional<JobResult<R>> result(String id, Class<R> type) {
        throw noResults();
    }

    @Override
    public <R> CompletionStage<JobResult<R>> await(String id, Class<R> type, Duration timeout) {
        throw noResults();
    }

    @Override
    public <R> CompletionStage<List<JobResult<R>>> awaitAll(Collection<String> ids, Class<R> type,
                                                            Duration timeout) {
        throw noResults();
    }

    private UnsupportedOperationException noResults() {
        return new UnsupportedOperationException("Queue '" + name() + "' is a message queue, which keeps no job"
                + " results and cannot be awaited: a done message is acknowledged and gone. Push to a JobStorage's"
                + " queue (the JPA or in-memory storage) for results, or have the handler send its result on");
    }

    @Override
    public String toString() {
        return "JobQueue[message queue]";
    }
}
