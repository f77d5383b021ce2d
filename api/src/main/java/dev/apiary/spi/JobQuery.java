package dev.apiary.spi;

import dev.apiary.JobStatus;

/**
 * Which page of a queue's jobs to list.
 *
 * @param status only jobs in this status, or {@code null} for all
 * @param offset jobs to skip, 0 or more
 * @param limit  page size, 1 to {@value #MAX_LIMIT}
 */
public record JobQuery(JobStatus status, int offset, int limit) {

    public static final int MAX_LIMIT = 1000;

    public JobQuery {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, was " + offset);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
    }

    public static JobQuery firstPage(int limit) {
        return new JobQuery(null, 0, limit);
    }

    public static JobQuery of(JobStatus status, int offset, int limit) {
        return new JobQuery(status, offset, limit);
    }
}
