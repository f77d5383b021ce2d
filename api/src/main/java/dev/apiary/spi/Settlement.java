package dev.apiary.spi;

import dev.apiary.JobContext;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;

import java.time.Instant;
import java.util.Objects;

/**
 * A job's next state after one attempt, decided here once for every {@link JobSource}: done; pending again at a
 * later time (a retry, the attempt counted); killed; or failed, which is also what a retry on the job's last
 * attempt becomes. A source writes {@link #status()}, {@link #runAt()} and {@link #error()} as they are and
 * derives no policy of its own; a done job's {@link #result()}, when there is one, is stored encoded by the storage's
 * codec. The context names the job, the worker that ran it and the attempt, so that a
 * storage can ignore a settlement from a worker that lost the job.
 *
 * @param outcome the outcome as decided: never a {@link Outcome.Retry} on the last attempt
 */
public record Settlement(JobContext job, Outcome outcome) {

    public Settlement {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(outcome, "outcome");
        if (outcome instanceof Outcome.Retry retry && job.isLastAttempt()) {
            outcome = new Outcome.Failed(retry.error());
        }
    }

    /** The status the job takes: {@code DONE}, {@code PENDING} (to run again at {@link #runAt()}), {@code KILLED} or {@code FAILED}. */
    public JobStatus status() {
        if (outcome instanceof Outcome.Done) {
            return JobStatus.DONE;
        } else if (outcome instanceof Outcome.Retry) {
            return JobStatus.PENDING;
        } else if (outcome instanceof Outcome.Kill) {
            return JobStatus.KILLED;
        }
        return JobStatus.FAILED;
    }

    /** When a retried job may run again; {@code null} unless the status is {@code PENDING}. */
    public Instant runAt() {
        return outcome instanceof Outcome.Retry retry ? retry.at() : null;
    }

    /** The text kept as the job's last error (the kill's reason for a killed job); {@code null} for a done job. */
    public String error() {
        if (outcome instanceof Outcome.Retry retry) {
            return retry.error();
        } else if (outcome instanceof Outcome.Kill kill) {
            return kill.reason();
        } else if (outcome instanceof Outcome.Failed failed) {
            return failed.error();
        }
        return null;
    }

    /** The result a done job returned ({@link Outcome.Done#result()}); {@code null} for any other outcome or none. */
    public Object result() {
        return outcome instanceof Outcome.Done done ? done.result() : null;
    }
}
