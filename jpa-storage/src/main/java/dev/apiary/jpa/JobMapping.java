package dev.apiary.jpa;

import dev.apiary.CodecException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.PayloadTooLargeException;
import dev.apiary.ResultTooLargeException;
import dev.apiary.StorageException;
import dev.apiary.spi.Codec;
import dev.apiary.spi.PayloadCodec;
import dev.apiary.spi.Progress;
import dev.apiary.spi.StoredJob;
import dev.apiary.spi.StoredText;

import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Between the values of the job storage of one queue and the text of its rows in {@code apiary_jobs}: payloads,
 * metadata and results through the codec, rows into {@link JobContext} and {@link StoredJob}.
 *
 * @param <T> the payload type
 */
final class JobMapping<T> {

    /** The storage's logger: operators configure one name for the whole storage. */
    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());

    private final String queue;
    private final Class<T> payloadType;
    private final Codec codec;
    private final int maxPayloadLength;
    private final int maxResultLength;

    JobMapping(String queue, Class<T> payloadType, Codec codec, int maxPayloadLength, int maxResultLength) {
        this.queue = queue;
        this.payloadType = payloadType;
        this.codec = codec;
        this.maxPayloadLength = maxPayloadLength;
        this.maxResultLength = maxResultLength;
    }

    /**
     * The payload's JSON; fails a push at once, before any SQL, when it would not fit (or fail deep in the JDBC
     * driver).
     */
    String payload(T payload) {
        return fitting(codec.encode(payload));
    }

    /**
     * JSON pushed as it is, when it decodes into the payload type; fails with {@link CodecException} naming the queue
     * and the type, before any SQL, when it does not.
     */
    String checkedPayload(String json) {
        if (json != null) {
            fitting(json); // a text too long for the column is refused before it is parsed
        }
        PayloadCodec.check(codec, queue, payloadType, json);
        return json;
    }

    /** The payload of checked JSON, for reading a partition key from it. */
    T decoded(String json) {
        return codec.decode(json, payloadType);
    }

    private String fitting(String json) {
        if (json.length() > maxPayloadLength) {
            throw new PayloadTooLargeException(queue, json.length(), maxPayloadLength,
                    "JpaJobStorage.Builder.maxPayloadLength(..), or for the default storage the key apiary.queues."
                    + queue + ".max-payload-length, up to what the payload column holds");
        }
        return json;
    }

    /** The job a worker runs; fails with {@link CodecException} when the payload cannot be decoded. */
    Job<T> job(JobEntity row) {
        return new Job<>(codec.decode(row.payload, payloadType), context(row));
    }

    /** The text of metadata, as pairs inside one JSON object, or none. */
    String metadata(Map<String, String> metadata) {
        return metadata.isEmpty() ? null : codec.encode(StoredText.metadata(metadata));
    }

    /** The JSON text of the {@code "key":"value"} pair as the codec writes it inside the metadata's object. */
    String metadataPair(String key, String value) {
        String pair = codec.encode(Map.of(key, value));
        return pair.substring(1, pair.length() - 1);
    }

    /**
     * A done job's result as stored, or {@code null} (and a warning) when the codec cannot encode it.
     *
     * @throws ResultTooLargeException when its JSON is longer than the queue's limit
     */
    String result(Object result, JobContext job) {
        try {
            String json = codec.encode(result);
            if (json != null && json.length() > maxResultLength) {
                throw new ResultTooLargeException(queue, job.id(), json.length(), maxResultLength,
                        "JpaJobStorage.Builder.maxResultLength(..), or for the default storage the key apiary.queues."
                        + queue + ".max-result-length, up to what the result column holds");
            }
            return json == null ? null : StoredText.clean(json, Math.max(1, json.length()));
        } catch (CodecException e) {
            // the job did its work: it is done, only its result is lost; failing the batch would retry it forever
            LOG.log(Level.WARNING, "Job " + job.id() + " of queue '" + queue + "' is done, but its result (a "
                    + result.getClass().getName() + ") cannot be encoded as JSON, so it is not kept; return a"
                    + " value the codec can encode", e);
            return null;
        }
    }

    JobContext context(JobEntity e) {
        return new JobContext(e.id, e.queue, e.attempts, e.maxAttempts, JobTable.instant(e.runAt), e.priority,
                JobTable.instant(e.enqueuedAt), e.workerId, decodeMetadata(e));
    }

    /** What inspection shows of a row; its payload is {@code null} when it cannot be decoded. */
    StoredJob<T> stored(JobEntity e) {
        T payload;
        try {
            payload = codec.decode(e.payload, payloadType);
        } catch (CodecException ex) {
            payload = null;
        }
        return new StoredJob<>(e.id, e.queue, payload, e.payload, e.status, e.attempts, e.maxAttempts,
                JobTable.instant(e.runAt), e.priority, JobTable.instant(e.enqueuedAt), e.workerId, e.lastError,
                JobTable.instant(e.finishedAt), decodeMetadata(e), e.uniqueKey, e.progress == null ? null
                : new Progress(e.progress, e.progressMessage, JobTable.instant(e.progressAt)), e.result,
                e.attemptNode, e.attemptWorkerId, e.cancelledBy);
    }

    private Map<String, String> decodeMetadata(JobEntity e) {
        if (e.metadata == null) {
            return Map.of();
        }
        try {
            Map<?, ?> raw = codec.decode(e.metadata, Map.class);
            Map<String, String> metadata = new HashMap<>();
            raw.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
            return metadata;
        } catch (CodecException ex) {
            throw new StorageException("Metadata of job " + e.id + " in queue '" + queue + "' is not a JSON "
                    + "object: " + e.metadata, ex);
        }
    }
}
