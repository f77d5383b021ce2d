package dev.apiary;

/**
 * A push whose encoded payload is longer than its storage accepts. Nothing was stored; send a reference (an id, a
 * URL) to the data instead, or raise the queue's limit if its storage can hold more.
 */
public class PayloadTooLargeException extends ApiaryException {

    private final String queue;
    private final long length;
    private final long limit;

    public PayloadTooLargeException(String queue, long length, long limit, String howToRaise) {
        super("The payload of a job for queue '" + queue + "' is " + length + " characters of JSON, more than the"
                + " queue's limit of " + limit + "; nothing was stored. Enqueue a reference to the data (an id, a"
                + " URL) instead" + (howToRaise == null ? "" : ", or raise the limit: " + howToRaise));
        this.queue = queue;
        this.length = length;
        this.limit = limit;
    }

    /** The queue the push was for. */
    public String queue() {
        return queue;
    }

    /** The length of the encoded payload, in characters. */
    public long length() {
        return length;
    }

    /** The queue's limit, in characters. */
    public long limit() {
        return limit;
    }
}
