package dev.apiary;

import java.time.Duration;

/** A job ran longer than its timeout layer allows. Retryable like any other failure. */
public class JobTimeoutException extends ApiaryException {

    private final Duration timeout;

    public JobTimeoutException(String jobId, Duration timeout) {
        super("Job " + jobId + " did not finish within its timeout of " + timeout);
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
