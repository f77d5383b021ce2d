package dev.apiary.dashboard;

import dev.apiary.JobStatus;

import java.util.Arrays;
import java.util.Locale;

/**
 * Query parameters parsed here, so that a malformed one is a 400 with a message (a JAX-RS conversion failure of a
 * query parameter would be a bare 404).
 */
final class Params {

    private Params() {
    }

    static long number(String name, String text, long otherwise, long min, long max) {
        if (text == null || text.isBlank()) {
            return otherwise;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw DashboardProblem.badRequest("'" + name + "' must be a whole number, was '" + text + "'");
        }
        if (value < min || value > max) {
            throw DashboardProblem.badRequest("'" + name + "' must be between " + min + " and " + max + ", was "
                    + value);
        }
        return value;
    }

    /** A status, or {@code null} when absent and not required. */
    static JobStatus status(String text, boolean required) {
        if (text == null || text.isBlank()) {
            if (required) {
                throw DashboardProblem.badRequest("'status' is required; one of " + Arrays.toString(JobStatus.values()));
            }
            return null;
        }
        try {
            return JobStatus.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw DashboardProblem.badRequest("unknown status '" + text + "'; one of "
                    + Arrays.toString(JobStatus.values()));
        }
    }
}
