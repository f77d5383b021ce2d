package dev.apiary.spi;

import dev.apiary.JobContext;
import dev.apiary.Outcome;

import java.util.Objects;

/**
 * The outcome of one attempt, to be written back by a {@link JobSource}. The context names the job, the worker
 * that ran it and the attempt, so that a storage can ignore an outcome from a worker that lost the job.
 */
public record Settlement(JobContext job, Outcome outcome) {

    public Settlement {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(outcome, "outcome");
    }
}
