package dev.apiary.dashboard;

import dev.apiary.JobStatus;
import dev.apiary.spi.Progress;
import dev.apiary.spi.StoredJob;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A job as the dashboard API shows it: in a list (a {@linkplain #summary summary}, bounded in size whatever the job
 * holds) or alone (its {@linkplain #detail detail}).
 *
 * @param payload        the payload as JSON; only in a job's detail, and {@code null} when hidden from the caller
 * @param payloadHidden  whether the caller may not see the payload ({@code apiary.dashboard.show-payloads}); then
 *                       the error texts are redacted too, since they may quote it
 * @param lastError      first line of the last error (or the kill reason); in a list cut to
 *                       {@value #LIST_TEXT} characters
 * @param lastErrorTrace the whole last error with its stack trace; only in a job's detail
 * @param result         what a done job returned, as JSON; only in a job's detail, and hidden with the payload
 * @param attemptNode    the node that ran (or runs) the last attempt, kept once the job ended
 * @param attemptWorkerId the worker instance that ran (or runs) the last attempt, kept once the job ended
 * @param cancelledBy    who cancelled a cancelled job (the reason is its last error), or {@code null}
 */
public record JobView(String id, String queue, JobStatus status, int attempts, int maxAttempts, int priority,
                      Instant runAt, Instant enqueuedAt, Instant finishedAt, String workerId, String uniqueKey,
                      Map<String, String> metadata, JsonValue payload, boolean payloadHidden, String lastError,
                      String lastErrorTrace, Progress progress, JsonValue result, String attemptNode,
                      String attemptWorkerId, String cancelledBy) {

    /** The longest text of a job in a list: error line, unique key, progress message. */
    static final int LIST_TEXT = 300;
    /** The most metadata entries of a job in a list, and their longest key or value; its detail has them whole. */
    static final int LIST_METADATA = 10;
    static final int LIST_METADATA_TEXT = 100;

    /**
     * The job as a row of a list: no payload and no result (the page shows them only in a job's detail, and a
     * page of jobs of a megabyte each would weigh as many megabytes), every text cut, so that a page's size is
     * bounded by its number of rows.
     */
    static JobView summary(StoredJob<?> job, boolean seesPayloads) {
        Progress progress = job.progress() == null ? null : new Progress(job.progress().percent(),
                Redaction.cut(job.progress().message(), LIST_TEXT), job.progress().at());
        return new JobView(job.id(), job.queue(), job.status(), job.attempts(), job.maxAttempts(), job.priority(),
                job.runAt(), job.enqueuedAt(), job.finishedAt(), job.workerId(),
                Redaction.cut(job.uniqueKey(), LIST_TEXT), listed(job.metadata()), null, !seesPayloads,
                Redaction.cut(firstLine(error(job, seesPayloads)), LIST_TEXT), null, progress, null,
                job.attemptNode(), job.attemptWorkerId(), Redaction.cut(job.cancelledBy(), LIST_TEXT));
    }

    /** The job alone: its payload and result when the caller sees payloads, its whole last error. */
    static JobView detail(StoredJob<?> job, boolean seesPayloads) {
        String error = error(job, seesPayloads);
        return new JobView(job.id(), job.queue(), job.status(), job.attempts(), job.maxAttempts(), job.priority(),
                job.runAt(), job.enqueuedAt(), job.finishedAt(), job.workerId(), job.uniqueKey(), job.metadata(),
                seesPayloads ? json(job.rawPayload()) : null, !seesPayloads, firstLine(error), error, job.progress(),
                seesPayloads && job.result() != null ? json(job.result()) : null, job.attemptNode(),
                job.attemptWorkerId(), job.cancelledBy());
    }

    private static String error(StoredJob<?> job, boolean seesPayloads) {
        return seesPayloads ? job.lastError() : Redaction.error(job.lastError());
    }

    private static String firstLine(String error) {
        return error == null ? null : error.lines().findFirst().orElse("");
    }

    private static Map<String, String> listed(Map<String, String> metadata) {
        Map<String, String> sorted = new TreeMap<>(metadata);
        Map<String, String> kept = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : sorted.entrySet()) {
            if (kept.size() == LIST_METADATA) {
                break;
            }
            kept.put(Redaction.cut(entry.getKey(), LIST_METADATA_TEXT),
                    Redaction.cut(entry.getValue(), LIST_METADATA_TEXT));
        }
        return kept;
    }

    private static JsonValue json(String raw) {
        if (raw == null) {
            return JsonValue.NULL;
        }
        try (JsonReader reader = Json.createReader(new StringReader(raw))) {
            return reader.readValue();
        } catch (JsonException e) {
            return Json.createValue(raw);
        }
    }
}
