package dev.apiary.worker;

/**
 * The life of one worker instance as the monitor sees it. (Not a job's {@link dev.apiary.JobStatus}: the names
 * differ so that a worker's state is never read as a job's.)
 */
public enum WorkerState {
    /** Registered, not started. */
    REGISTERED,
    /** Polling, no job running. */
    IDLE,
    /** Running at least one job. */
    ENGAGED,
    /** Its loop crashed; the monitor restarts it after a backoff. */
    RESTARTING,
    /** Asked to stop; finishing its running jobs. */
    STOPPING,
    /** Stopped. */
    STOPPED,
    /**
     * Crashed more often in a row than its restart budget allows (its source keeps failing: a database that is
     * away for long). The monitor goes on restarting it at the longest backoff, so it comes back by itself as
     * {@link #IDLE} once a claim works again; meanwhile readiness is DOWN. (Replaces {@code GAVE_UP}, under which the
     * monitor stopped restarting such an instance for good.)
     */
    FAILING
}
