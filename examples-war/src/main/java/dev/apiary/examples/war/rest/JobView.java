package dev.apiary.examples.war.rest;

import dev.apiary.JobStatus;
import dev.apiary.spi.StoredJob;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.time.Instant;
import java.util.Map;

/**
 * A job as the API shows it.
 *
 * @param lastError      first line of the last error (or the kill reason)
 * @param lastErrorTrace the whole last error, with its stack trace; only when one job is shown
 */
public record JobView(String id, String queue, JobStatus status, int attempts, int maxAttempts, int priority,
                      Instant runAt, Instant enqueuedAt, Instant finishedAt, String workerId, JsonValue payload,
                      Map<String, String> metadata, String lastError, String lastErrorTrace) {

    static JobView summary(StoredJob<?> job) {
        return of(job, false);
    }

    static JobView detail(StoredJob<?> job) {
        return of(job, true);
    }

    private static JobView of(StoredJob<?> job, boolean withTrace) {
        String error = job.lastError();
        String firstLine = error == null ? null : error.lines().findFirst().orElse("");
        return new JobView(job.id(), job.queue(), job.status(), job.attempts(), job.maxAttempts(), job.priority(),
                job.runAt(), job.enqueuedAt(), job.finishedAt(), job.workerId(), json(job.rawPayload()),
                job.metadata(), firstLine, withTrace ? error : null);
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
