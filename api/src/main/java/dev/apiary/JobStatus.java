package dev.apiary;

/** Where a stored job is in its life. */
public enum JobStatus {
    /** Waiting to be claimed, possibly not due yet. */
    PENDING,
    /** Claimed by a worker and running. */
    RUNNING,
    /** Finished successfully. */
    DONE,
    /** Failed on its last attempt. */
    FAILED,
    /** Killed: never to be retried. */
    KILLED,
    /** Cancelled by an operator while pending or running; a running handler was interrupted. Never retried. */
    CANCELLED,
    /**
     * Stored but not claimable: a step of a workflow or a batch's callback that waits for the jobs it depends on. The
     * storage makes it {@code PENDING} (with their results as its payload) when the last of them finishes, or
     * {@code CANCELLED} when one fails and the step does not continue after failures.
     */
    WAITING;

    /** Whether the job will never run again on its own. */
    public boolean isFinal() {
        return this == DONE || this == FAILED || this == KILLED || this == CANCELLED;
    }
}
