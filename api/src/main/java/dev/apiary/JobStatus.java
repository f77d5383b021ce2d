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
    CANCELLED;

    /** Whether the job will never run again on its own. */
    public boolean isFinal() {
        return this == DONE || this == FAILED || this == KILLED || this == CANCELLED;
    }
}
