package dev.apiary;

/**
 * A job's result was asked for ({@link JobResult#orElseThrow()}) but the job did not end done: it failed, was killed
 * or cancelled, or has not finished. The message names the job, its status and its last error.
 */
public class JobFailedException extends ApiaryException {

    private final transient JobResult<?> job;

    public JobFailedException(JobResult<?> job) {
        super("Job " + job.id() + " of queue '" + job.queue() + "' has no result: it is " + job.status()
                + (job.error() == null ? "" : " (" + firstLine(job.error()) + ")"));
        this.job = job;
    }

    /** The job as read: its status and error. */
    public JobResult<?> job() {
        return job;
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
