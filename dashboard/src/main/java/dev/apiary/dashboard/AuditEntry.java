package dev.apiary.dashboard;

import java.time.Instant;

/**
 * One admin action through the dashboard API, as the audit trail keeps it.
 *
 * @param at     when the action was done (after the storage or schedule answered)
 * @param user   who did it: the caller's login name ({@code anonymous} with {@code apiary.dashboard.allow-anonymous})
 * @param action {@code retry}, {@code kill}, {@code cancel}, {@code delete}, {@code pause}, {@code resume} or {@code trigger}
 * @param target what it acted on: {@code queue q, job id}, {@code queue q, every FAILED job} or {@code schedule s}
 * @param jobs   how many jobs it changed (or enqueued, for a trigger); 0 when the job was not in a state it applies to
 */
public record AuditEntry(Instant at, String user, String action, String target, int jobs) {

    /** The line the server log gets: the same facts, in one line an operator can grep. */
    String logLine() {
        return "Apiary dashboard audit: user '" + user + "' " + action + " " + target + ": " + jobs
                + (jobs == 1 ? " job" : " jobs") + " at " + at;
    }
}
