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
import java.util.Map;

/**
 * A job as the dashboard API shows it.
 *
 * @param payload        the payload as JSON, or {@code null} when hidden from the caller
 * @param payloadHidden  whether the payload was hidden ({@code apiary.dashboard.show-payloads})
 * @param lastError      first line of the last error (or the kill reason)
 * @param lastErrorTrace the whole last error with its stack trace; only in a job's detail
 * @param result         what a done job returned, as JSON; only in a job's detail, and hidden with the payload
 */
public record JobView(String id, String queue, JobStatus status, int attempts, int maxAttempts, int priority,
                      Instant runAt, Instant enqueuedAt, Instant finishedAt, String workerId, String uniqueKey,
                      Map<String, String> metadata, JsonValue payload, boolean payloadHidden, String lastError,
                      String lastErrorTrace, Progress progress, JsonValue result) {

    static JobView of(StoredJob<?> job, boolean detail, boolean withPayload) {
        String error = job.lastError();
        String firstLine = error == null ? null : error.lines().findFirst().orElse("");
        return new JobView(job.id(), job.queue(), job.status(), job.attempts(), job.maxAttempts(), job.priority(),
                job.runAt(), job.enqueuedAt(), job.finishedAt(), job.workerId(), job.uniqueKey(), job.metadata(),
                withPayload ? json(job.rawPayload()) : null, !withPayload, firstLine, detail ? error : null,
                job.progress(), detail && withPayload && job.result() != null ? json(job.result()) : null);
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
