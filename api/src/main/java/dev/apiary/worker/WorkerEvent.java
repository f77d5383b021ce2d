package dev.apiary.worker;

import dev.apiary.Outcome;

import java.time.Instant;

/**
 * Something that happened to a worker instance or one of its jobs. In a CDI application each event is also fired
 * as a CDI event: observe it with {@code @Observes WorkerEvent} (on the worker's thread: keep it quick) or
 * {@code @ObservesAsync WorkerEvent}.
 *
 * @param jobId   the job concerned, for the {@code JOB_*} kinds
 * @param outcome the attempt's outcome, for the {@code JOB_*} kinds
 * @param error   the loop error, for {@link Kind#ERROR} and {@link Kind#RESTARTED}
 */
public record WorkerEvent(Kind kind, String worker, String instanceId, Instant at, String jobId, Outcome outcome,
                          Throwable error) {

    /**
     * What kind of event this is. Each attempt of a job gives exactly one of {@code JOB_DONE}, {@code JOB_RETRIED},
     * {@code JOB_FAILED}, {@code JOB_KILLED} and {@code JOB_CANCELLED}.
     */
    public enum Kind {
        STARTED, IDLE, ENGAGED,
        /** The job is done. */
        JOB_DONE,
        /** The attempt failed and the job runs again later: not a failure of the job. */
        JOB_RETRIED,
        /** The job ended failed: its last attempt failed, or it failed in a way that is not retried. */
        JOB_FAILED,
        /** The job was killed and never runs again. */
        JOB_KILLED,
        /**
         * The job was cancelled while it ran here and its handler has returned; the event's outcome is what the
         * handler returned, which was dropped.
         */
        JOB_CANCELLED,
        ERROR, RESTARTED, STOPPED,
        /**
         * The instance crashed once more than its restart budget allows and is now {@link WorkerState#FAILING}: it
         * is restarted at the longest backoff until a claim works again, when {@link #IDLE} follows.
         */
        FAILING
    }
}
