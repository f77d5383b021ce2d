package dev.apiary.impl.cdi;

import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import dev.apiary.JobResult;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The {@link JobQueue} injected for a storage bean: the push side of that storage, and its results, read from the
 * storage and awaited through the application's monitor (whose scheduler times the waits).
 */
final class StorageQueue<T> implements JobQueue<T> {

    private final JobStorage<T> storage;
    private final Supplier<Monitor> monitor;

    StorageQueue(JobStorage<T> storage, Supplier<Monitor> monitor) {
        this.storage = storage;
        this.monitor = monitor;
    }

    @Override
    public <R> Optional<JobResult<R>> result(String id, Class<R> type) {
        return storage.result(id, type);
    }

    @Override
    public <R> CompletionStage<JobResult<R>> await(String id, Class<R> type, Duration timeout) {
        return monitor.get().await(storage, id, type, timeout);
    }

    @Override
    public <R> CompletionStage<List<JobResult<R>>> awaitAll(Collection<String> ids, Class<R> type,
                                                            Duration timeout) {
        return monitor.get().awaitAll(storage, ids, type, timeout);
    }

    @Override
    public String name() {
        return storage.queue();
    }

    @Override
    public String push(T payload) {
        return storage.push(payload);
    }

    @Override
    public String push(T payload, JobOptions options) {
        return storage.push(payload, options);
    }

    @Override
    public String pushJson(String json, JobOptions options) {
        return storage.pushJson(json, options);
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads) {
        return storage.pushAll(payloads, JobOptions.defaults());
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        return storage.pushAll(payloads, options);
    }

    @Override
    public String schedule(T payload, Instant at) {
        return storage.schedule(payload, at);
    }

    @Override
    public String schedule(T payload, Duration delay) {
        return storage.push(payload, JobOptions.defaults().withDelay(delay));
    }

    @Override
    public String toString() {
        return "JobQueue[" + storage.queue() + "]";
    }
}
