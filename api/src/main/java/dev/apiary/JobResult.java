package dev.apiary;

import java.time.Instant;
import java.util.Objects;

/**
 * What became of a job, read by id: its status and, once it is {@link JobStatus#DONE done}, the result its handler
 * returned ({@link Outcome#done(Object)}), decoded into the type asked for. A job that failed, was killed or cancelled
 * has no value and keeps why in {@link #error()}; a job not yet final has neither.
 *
 * <pre>{@code
 * String id = invoices.push(order);
 * invoices.await(id, Invoice.class, Duration.ofSeconds(30))
 *         .thenAccept(r -> show(r.orElseThrow()));   // the Invoice, or JobFailedException when it did not end DONE
 * }</pre>
 *
 * @param id         the job's id
 * @param queue      the job's queue
 * @param status     its status when read
 * @param value      the decoded result of a done job; {@code null} when the job is not done or returned none
 * @param error      the last error, kill reason or cancel reason; {@code null} if none
 * @param finishedAt when the job became final, or {@code null}
 * @param <R>        the result type
 */
public record JobResult<R>(String id, String queue, JobStatus status, R value, String error, Instant finishedAt) {

    public JobResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
    }

    /** Whether the job ended {@link JobStatus#DONE done}. */
    public boolean isDone() {
        return status == JobStatus.DONE;
    }

    /** Whether the job is final: done, failed, killed or cancelled. */
    public boolean isFinal() {
        return status.isFinal();
    }

    /**
     * The result of a done job ({@code null} when it returned none).
     *
     * @throws JobFailedException when the job did not end done: it failed, was killed or cancelled, or is not final
     */
    public R orElseThrow() {
        if (!isDone()) {
            throw new JobFailedException(this);
        }
        return value;
    }
}
