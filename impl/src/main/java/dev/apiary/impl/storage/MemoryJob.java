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
    /** The payload's text when it was pushed as JSON, kept as it came; otherwise {@code null}. */
    String json;
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
    /** The job's key under the queue's {@link dev.apiary.QueueLimits#partitionBy}, or {@code null}. */
    String partitionKey;
    Progress progress;
    /** A done job's result as encoded JSON, or {@code null}. */
    String result;
    /** The node and instance of the last claim; kept once the job ends. */
    String attemptNode;
    String attemptWorkerId;
    /** Who cancelled a cancelled job, or {@code null}. */
    String cancelledBy;
}
