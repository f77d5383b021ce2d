package dev.apiary.impl.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the durations of annotations and configuration: ISO-8601 ({@code PT30S}, {@code P1D}) or a whole number with
 * a unit ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}); {@code 0} alone is zero.
 */
public final class Durations {

    private static final Pattern SHORTHAND = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * The duration {@code text} stands for.
     *
     * @throws IllegalArgumentException naming the accepted forms when {@code text} is none of them
     */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = SHORTHAND.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        if (t.startsWith("p")) {
            try {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                // fall through to the common message
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a duration: use ISO-8601 (PT30S) or a number with"
                + " a unit (500ms, 30s, 5m, 2h, 1d)");
    }
}
