package dev.apiary.impl.cdi;

import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import dev.apiary.spi.JobStorage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The {@link JobQueue} injected for a storage bean: the push side of that storage. */
final class StorageQueue<T> implements JobQueue<T> {

    private final JobStorage<T> storage;

    StorageQueue(JobStorage<T> storage) {
        this.storage = storage;
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
