package dev.apiary.spi;

import dev.apiary.CodecException;
import dev.apiary.JobResult;
import dev.apiary.JobStatus;

import java.time.Instant;
import java.util.Map;

/**
 * A job as a storage holds it, for listing and inspection.
 *
 * @param payload     the decoded payload, or {@code null} when it cannot be decoded (see {@code rawPayload})
 * @param rawPayload  the payload's encoded (JSON) text
 * @param attempts    attempts made so far (0 before the first claim)
 * @param lastError   the error of the last failed attempt, the kill reason or the cancel reason; {@code null} if none
 * @param finishedAt  when the job reached a final status, or {@code null}
 * @param uniqueKey   the unique key it was pushed with, or {@code null}
 * @param progress    the last progress it reported, or {@code null}
 * @param result      the result a done job returned, encoded (JSON) by the storage's codec, or {@code null} if none
 * @param attemptNode the node that claimed the last attempt ({@link NodeIdentity}), kept once the job ended;
 *                    {@code null} before the first claim
 * @param attemptWorkerId the worker instance that claimed the last attempt, kept once the job ended; {@code null}
 *                    before the first claim
 * @param cancelledBy who cancelled a {@link JobStatus#CANCELLED cancelled} job, or {@code null}
 */
public record StoredJob<T>(String id, String queue, T payload, String rawPayload, JobStatus status, int attempts,
                           int maxAttempts, Instant runAt, int priority, Instant enqueuedAt, String workerId,
                           String lastError, Instant finishedAt, Map<String, String> metadata, String uniqueKey,
                           Progress progress, String result, String attemptNode, String attemptWorkerId,
                           String cancelledBy) {

    public StoredJob {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /**
     * This job as a {@link JobResult}: its status, error and, when done, its {@link #result()} decoded into
     * {@code type} with {@code codec} (which a storage makes {@link PayloadCodec#of} its codec, so that {@code RawJson}
     * and JSON-P types read the JSON as it is).
     *
     * @throws CodecException naming the job and the type when the result does not decode
     */
    public <R> JobResult<R> toResult(Codec codec, Class<R> type) {
        R value = null;
        if (status == JobStatus.DONE && result != null) {
            try {
                value = PayloadCodec.of(codec).decode(result, type);
            } catch (CodecException e) {
                throw new CodecException("The result of job " + id + " of queue '" + queue + "' (" + result.length()
                        + " characters of JSON) does not decode into " + type.getName() + ": " + e.getMessage(), e);
            }
        }
        return new JobResult<>(id, queue, status, value, lastError, finishedAt);
    }

    /** A job that was not cancelled. */
    public StoredJob(String id, String queue, T payload, String rawPayload, JobStatus status, int attempts,
                     int maxAttempts, Instant runAt, int priority, Instant enqueuedAt, String workerId,
                     String lastError, Instant finishedAt, Map<String, String> metadata, String uniqueKey,
                     Progress progress, String result, String attemptNode, String attemptWorkerId) {
        this(id, queue, payload, rawPayload, status, attempts, maxAttempts, runAt, priority, enqueuedAt, workerId,
                lastError, finishedAt, metadata, uniqueKey, progress, result, attemptNode, attemptWorkerId, null);
    }

    /** A job without the node and instance of its last attempt. */
    public StoredJob(String id, String queue, T payload, String rawPayload, JobStatus status, int attempts,
                     int maxAttempts, Instant runAt, int priority, Instant enqueuedAt, String workerId,
                     String lastError, Instant finishedAt, Map<String, String> metadata, String uniqueKey,
                     Progress progress, String result, String cancelledBy) {
        this(id, queue, payload, rawPayload, status, attempts, maxAttempts, runAt, priority, enqueuedAt, workerId,
                lastError, finishedAt, metadata, uniqueKey, progress, result, null, null, cancelledBy);
    }

    /** A job without the node and instance of its last attempt, not cancelled. */
    public StoredJob(String id, String queue, T payload, String rawPayload, JobStatus status, int attempts,
                     int maxAttempts, Instant runAt, int priority, Instant enqueuedAt, String workerId,
                     String lastError, Instant finishedAt, Map<String, String> metadata, String uniqueKey,
                     Progress progress, String result) {
        this(id, queue, payload, rawPayload, status, attempts, maxAttempts, runAt, priority, enqueuedAt, workerId,
                lastError, finishedAt, metadata, uniqueKey, progress, result, null, null, null);
    }

    /** A job without a result. */
    public StoredJob(String id, String queue, T payload, String rawPayload, JobStatus status, int attempts,
                     int maxAttempts, Instant runAt, int priority, Instant enqueuedAt, String workerId,
                     String lastError, Instant finishedAt, Map<String, String> metadata, String uniqueKey,
                     Progress progress) {
        this(id, queue, payload, rawPayload, status, attempts, maxAttempts, runAt, priority, enqueuedAt, workerId,
                lastError, finishedAt, metadata, uniqueKey, progress, null, null, null, null);
    }

    /** A job without unique key, progress or result. */
    public StoredJob(String id, String queue, T payload, String rawPayload, JobStatus status, int attempts,
                     int maxAttempts, Instant runAt, int priority, Instant enqueuedAt, String workerId,
                     String lastError, Instant finishedAt, Map<String, String> metadata) {
        this(id, queue, payload, rawPayload, status, attempts, maxAttempts, runAt, priority, enqueuedAt, workerId,
                lastError, finishedAt, metadata, null, null, null, null, null, null);
    }
}
