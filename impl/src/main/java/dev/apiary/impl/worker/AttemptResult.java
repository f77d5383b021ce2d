package dev.apiary.impl.worker;

import dev.apiary.JobContext;
import dev.apiary.Outcome;

/**
 * What one attempt's outcome makes of its job, as the storage settles it: a retry on the last attempt ends the job
 * failed. Events, counters and spans name attempts by it, so that a retried attempt is never counted as a failure.
 */
public enum AttemptResult {
    /** The job is done. */
    DONE,
    /** The attempt failed and the job runs again later. */
    RETRIED,
    /** The job ended failed (an exception or a retry on its last attempt). */
    FAILED,
    /** The job was killed and never runs again. */
    KILLED;

    /** The result of {@code outcome} for the attempt {@code job}. */
    public static AttemptResult of(JobContext job, Outcome outcome) {
        if (outcome instanceof Outcome.Done) {
            return DONE;
        } else if (outcome instanceof Outcome.Kill) {
            return KILLED;
        } else if (outcome instanceof Outcome.Retry) {
            return job.isLastAttempt() ? FAILED : RETRIED;
        }
        return FAILED;
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
        };
    }
}
