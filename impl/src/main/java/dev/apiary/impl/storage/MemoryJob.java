package dev.apiary.impl.storage;

import dev.apiary.JobStatus;
import dev.apiary.spi.Progress;

import java.time.Instant;
import java.util.Map;

/** One job's mutable state in an {@link InMemoryStorage}, guarded by the storage's lock. */
final class MemoryJob<T> {
    String id;
    /** Push order, unique in the storage; breaks ties between jobs due at the same instant. */
    long seq;
    T payload;
    JobStatus status;
    int attempts;
    int maxAttempts;
    Instant runAt;
    int priority;
    Instant enqueuedAt;
    String workerId;
    Instant lockedAt;
    String lastError;
    Instant finishedAt;
    String uniqueKey;
    Map<String, String> metadata;
    Progress progress;
    /** A done job's result as encoded JSON, or {@code null}. */
    String result;
    /** Who cancelled a cancelled job, or {@code null}. */
    String cancelledBy;
}
