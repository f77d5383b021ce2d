package dev.apiary;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * How a job is pushed: when it may run, its priority, its attempt budget, an optional unique key and metadata.
 * Immutable; each {@code with…} method returns a copy.
 *
 * @param runAt       earliest instant to run, or {@code null} for now
 * @param priority    higher runs first among due jobs (default 0)
 * @param maxAttempts attempts in all, at least 1 (default {@value #DEFAULT_MAX_ATTEMPTS})
 * @param uniqueKey   when set, a second push with the same key in the same queue is ignored while the first is not final
 * @param metadata    user metadata carried in the job context
 */
public record JobOptions(Instant runAt, int priority, int maxAttempts, String uniqueKey, Map<String, String> metadata) {

    /** Attempts a job gets when none are given. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    private static final JobOptions DEFAULTS = new JobOptions(null, 0, DEFAULT_MAX_ATTEMPTS, null, Map.of());

    public JobOptions {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** Run now, priority 0, {@value #DEFAULT_MAX_ATTEMPTS} attempts. */
    public static JobOptions defaults() {
        return DEFAULTS;
    }

    public JobOptions withRunAt(Instant at) {
        return new JobOptions(at, priority, maxAttempts, uniqueKey, metadata);
    }

    public JobOptions withDelay(Duration delay) {
        return withRunAt(Instant.now().plus(delay));
    }

    public JobOptions withPriority(int newPriority) {
        return new JobOptions(runAt, newPriority, maxAttempts, uniqueKey, metadata);
    }

    public JobOptions withMaxAttempts(int attempts) {
        return new JobOptions(runAt, priority, attempts, uniqueKey, metadata);
    }

    public JobOptions withUniqueKey(String key) {
        return new JobOptions(runAt, priority, maxAttempts, key, metadata);
    }

    public JobOptions withMetadata(String key, String value) {
        Map<String, String> copy = new HashMap<>(metadata);
        copy.put(key, value);
        return new JobOptions(runAt, priority, maxAttempts, uniqueKey, copy);
    }
}
