package dev.apiary;

import java.time.Duration;
import java.util.Optional;

/**
 * Thrown by a handler to ask for another attempt, optionally not before a given delay
 * (which then overrides the retry layer's backoff). Without a retry layer it fails the job.
 */
public class RetryableException extends ApiaryException {

    private final Duration delay;

    public RetryableException(String message) {
        this(message, null, null);
    }

    public RetryableException(String message, Duration delay) {
        this(message, delay, null);
    }

    public RetryableException(String message, Duration delay, Throwable cause) {
        super(message, cause);
        this.delay = delay;
    }

    /** The delay the handler asked for, if any. */
    public Optional<Duration> delay() {
        return Optional.ofNullable(delay);
    }
}
