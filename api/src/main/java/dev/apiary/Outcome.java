package dev.apiary;

import dev.apiary.spi.StoredText;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What became of one attempt of a job; the storage settles the job accordingly.
 * Handlers return one, or throw and let the layers turn the exception into one.
 */
public sealed interface Outcome {

    /** The job finished; {@code result} is informational and may be {@code null}. */
    record Done(Object result) implements Outcome {
    }

    /** Run the job again, not before {@code at}; the attempt counts. */
    record Retry(Instant at, String error) implements Outcome {
        public Retry {
            Objects.requireNonNull(at, "at");
        }
    }

    /** Stop the job for good; it is never retried. */
    record Kill(String reason) implements Outcome {
    }

    /** The job failed on its last attempt; {@code error} keeps the message and stack trace. */
    record Failed(String error) implements Outcome {
    }

    static Outcome done() {
        return new Done(null);
    }

    static Outcome done(Object result) {
        return new Done(result);
    }

    static Outcome retryAt(Instant at, String error) {
        return new Retry(at, error);
    }

    static Outcome retryAfter(Duration delay, String error) {
        return new Retry(Instant.now().plus(delay), error);
    }

    static Outcome kill(String reason) {
        return new Kill(reason);
    }

    static Outcome failed(String error) {
        return new Failed(error);
    }

    /** A failed outcome that keeps the exception's stack trace as its error text. */
    static Outcome failed(Throwable error) {
        return new Failed(describe(error));
    }

    /**
     * The text stored as a job's last error: the exception's type, message and stack trace, cut in the middle past
     * {@link StoredText#MAX_ERROR_LENGTH} characters (see {@link StoredText#trace(Throwable)}).
     */
    static String describe(Throwable error) {
        return StoredText.trace(error);
    }
}
