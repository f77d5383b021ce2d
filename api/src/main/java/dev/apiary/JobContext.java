package dev.apiary;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What the runtime knows about one job: its identity, where it came from and how often it was tried.
 *
 * @param id          unique, time-sortable id (a UUIDv7 string)
 * @param queue       the queue the job was pushed to
 * @param attempt     the current attempt, starting at 1 for the first run
 * @param maxAttempts how many attempts the job may have in all; a retry beyond it ends the job as failed
 * @param runAt       the earliest instant the job may run
 * @param priority    higher runs first among jobs that are due
 * @param enqueuedAt  when the job was first pushed
 * @param workerId    the worker instance that holds the job now, or {@code null} when none does
 * @param metadata    free-form user metadata, never {@code null}
 */
public record JobContext(String id, String queue, int attempt, int maxAttempts, Instant runAt, int priority,
                         Instant enqueuedAt, String workerId, Map<String, String> metadata) {

    public JobContext {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(runAt, "runAt");
        Objects.requireNonNull(enqueuedAt, "enqueuedAt");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /**
     * Whether the job was {@linkplain dev.apiary.spi.JobStorage#cancel cancelled} while this attempt runs in this
     * process: the handler should stop soon (its thread was interrupted too); what it returns then is ignored.
     * False once the attempt has ended, and for a job that does not run here.
     */
    public boolean isCancelled() {
        return dev.apiary.spi.ApiaryProvider.instance().isCancelled(this);
    }

    /** Whether this attempt is the last one the job may have. */
    public boolean isLastAttempt() {
        return attempt >= maxAttempts;
    }
}
