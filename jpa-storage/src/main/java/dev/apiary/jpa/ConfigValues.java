package dev.apiary.jpa;

import dev.apiary.ConfigurationException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the default storage reads its keys' values: durations and flags as the other {@code apiary.*} keys take them. */
final class ConfigValues {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private ConfigValues() {
    }

    /** A duration as the other {@code apiary.*} keys take it: {@code 500ms}, {@code 10s}, {@code 1m}, or ISO-8601. */
    static Optional<Duration> duration(Function<String, Optional<String>> config, String key) {
        Optional<String> value = config.apply(key).map(String::trim).filter(v -> !v.isEmpty());
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String v = value.get().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(v);
        try {
            if (v.equals("0")) {
                return Optional.of(Duration.ZERO);
            } else if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return Optional.of(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
            } else if (v.startsWith("p")) {
                Duration d = Duration.parse(v.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return Optional.of(d);
                }
            }
        } catch (ArithmeticException | DateTimeParseException e) {
            // the message below says what is accepted
        }
        throw new ConfigurationException("Invalid value '" + value.get() + "' for " + key + ": expected a duration"
                + " such as 500ms, 10s, 1m or PT10S, or 0 for no limit");
    }

    static boolean flag(Function<String, Optional<String>> config, String key, boolean fallback) {
        Optional<String> value = config.apply(key);
        if (value.isEmpty()) {
            return fallback;
        }
        String v = value.get().trim().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigurationException("Invalid value '" + value.get() + "' for " + key
                    + ": expected true or false");
        }
        return Boolean.parseBoolean(v);
    }
}
