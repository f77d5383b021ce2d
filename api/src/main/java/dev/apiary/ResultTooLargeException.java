package dev.apiary;

/**
 * A handler returned a result whose JSON is longer than its queue keeps. The job ends {@link JobStatus#FAILED failed}
 * with this message as its error, since whoever waits for the result cannot have it; its work has been done, so it is
 * not retried. Return a reference to the data (an id, a URL) instead, or raise the queue's limit.
 */
public class ResultTooLargeException extends RecordRefusedException {

    private final String queue;
    private final long length;
    private final long limit;

    public ResultTooLargeException(String queue, String jobId, long length, long limit, String howToRaise) {
        super("The result of job " + jobId + " of queue '" + queue + "' is " + length + " characters of JSON, more than"
                + " the queue's limit of " + limit + ", so it was not kept and the job failed (its work was done: it"
                + " is not retried). Return a reference to the data (an id, a URL) instead"
                + (howToRaise == null ? "" : ", or raise the limit: " + howToRaise), null);
        this.queue = queue;
        this.length = length;
        this.limit = limit;
    }

    /** The job's queue. */
    public String queue() {
        return queue;
    }

    /** The length of the encoded result, in characters. */
    public long length() {
        return length;
    }

    /** The queue's limit, in characters. */
    public long limit() {
        return limit;
    }
}
