package dev.apiary.impl.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A worker's configured overrides of its layer annotations' values, as raw text: the layer that applies them parses
 * them and names the key when one is bad.
 *
 * @param prefix the worker's key prefix, {@code apiary.workers.<name>.}
 * @param values the keys that are set, by suffix (e.g. {@code retry.initial-delay})
 */
public record LayerSettings(String prefix, Map<String, String> values) {

    public static final String RETRY_INITIAL_DELAY = "retry.initial-delay";
    public static final String RETRY_MAX_DELAY = "retry.max-delay";
    public static final String RETRY_MULTIPLIER = "retry.multiplier";
    public static final String RETRY_JITTER = "retry.jitter";
    public static final String TIMEOUT = "timeout";
    public static final String RATE_LIMIT_PERMITS = "rate-limit.permits";
    public static final String RATE_LIMIT_PERIOD = "rate-limit.period";
    public static final String CONCURRENCY_LIMIT = "concurrency-limit";

    /** Every suffix, with the annotation whose value it overrides. */
    public static final Map<String, String> ANNOTATION_OF = Map.of(RETRY_INITIAL_DELAY, "Retry",
            RETRY_MAX_DELAY, "Retry", RETRY_MULTIPLIER, "Retry", RETRY_JITTER, "Retry", TIMEOUT, "Timeout",
            RATE_LIMIT_PERMITS, "RateLimit", RATE_LIMIT_PERIOD, "RateLimit", CONCURRENCY_LIMIT, "ConcurrencyLimit");

    /** No overrides. */
    public static final LayerSettings NONE = new LayerSettings("", Map.of());

    /** Reads the layer keys of worker {@code name}. */
    public static LayerSettings read(ApiaryConfig config, String name) {
        String prefix = WorkerSettings.prefix(name);
        Map<String, String> values = new LinkedHashMap<>();
        for (String suffix : List.of(RETRY_INITIAL_DELAY, RETRY_MAX_DELAY, RETRY_MULTIPLIER, RETRY_JITTER, TIMEOUT,
                RATE_LIMIT_PERMITS, RATE_LIMIT_PERIOD, CONCURRENCY_LIMIT)) {
            config.raw(prefix + suffix).ifPresent(v -> values.put(suffix, v));
        }
        return new LayerSettings(prefix, Map.copyOf(values));
    }

    /** The configured value for {@code suffix}, if set. */
    public Optional<String> get(String suffix) {
        return Optional.ofNullable(values.get(suffix));
    }

    /** The full key of {@code suffix}. */
    public String key(String suffix) {
        return prefix + suffix;
    }
}
