package dev.apiary.impl.outcome;

import dev.apiary.JobContext;
import dev.apiary.Outcome;
import dev.apiary.spi.Settlement;

/**
 * What one attempt's outcome makes of its job, as its {@link Settlement} decides: a retry on the last attempt ends
 * the job failed. Events, counters and spans name attempts by it, so that a retried attempt is never counted as a failure.
 */
public enum AttemptResult {
    /** The job is done. */
    DONE,
    /** The attempt failed and the job runs again later. */
    RETRIED,
    /** The job ended failed (an exception or a retry on its last attempt). */
    FAILED,
    /** The job was killed and never runs again. */
    KILLED,
    /** The job was cancelled while the attempt ran; what the handler returned was dropped. Never a settlement's. */
    CANCELLED;

    /** The result of {@code outcome} for the attempt {@code job}, as its {@link Settlement} decides it. */
    public static AttemptResult of(JobContext job, Outcome outcome) {
        return of(new Settlement(job, outcome));
    }

    /** The result of a decided settlement. */
    public static AttemptResult of(Settlement settlement) {
        return switch (settlement.status()) {
            case DONE -> DONE;
            case PENDING -> RETRIED;
            case KILLED -> KILLED;
            default -> FAILED;
        };
    }

    /** Whether the job ends with this attempt. */
    public boolean isFinal() {
        return this != RETRIED;
    }

    /** The lower-case name used in metric attributes and span attributes. */
    public String label() {
        return switch (this) {
            case DONE -> "done";
            case RETRIED -> "retried";
            case FAILED -> "failed";
            case KILLED -> "killed";
            case CANCELLED -> "cancelled";
        };
    }
}
