package dev.apiary.worker;

import dev.apiary.Outcome;

import java.time.Instant;

/**
 * Something that happened to a worker instance.
 *
 * @param jobId   the job concerned, for {@link Kind#JOB_DONE} and {@link Kind#JOB_FAILED}
 * @param outcome the settled outcome, for job events
 * @param error   the loop error, for {@link Kind#ERROR} and {@link Kind#RESTARTED}
 */
public record WorkerEvent(Kind kind, String worker, String instanceId, Instant at, String jobId, Outcome outcome,
                          Throwable error) {

    /** What kind of event this is. */
    public enum Kind {
        STARTED, IDLE, ENGAGED, JOB_DONE, JOB_FAILED, ERROR, RESTARTED, STOPPED, GAVE_UP
    }
}
