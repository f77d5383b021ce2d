package dev.apiary.impl.worker;

import dev.apiary.JobContext;
import dev.apiary.Outcome;

import java.util.logging.Logger;

/**
 * Makes a job that ends failed or killed visible without any layer or listener: one WARNING per job, under the
 * logger {@code dev.apiary.jobs}, with its id, queue, attempt and reason (the first line of the error).
 */
final class FinalStateLog {

    private static final Logger LOG = Logger.getLogger("dev.apiary.jobs");

    private FinalStateLog() {
    }

    /** Logs {@code outcome} when it is final and not done. */
    static void settled(JobContext job, Outcome outcome) {
        String state;
        String reason;
        if (outcome instanceof Outcome.Failed failed) {
            state = "FAILED";
            reason = failed.error();
        } else if (outcome instanceof Outcome.Kill kill) {
            state = "KILLED";
            reason = kill.reason();
        } else {
            return;
        }
        LOG.warning(() -> "Job " + job.id() + " in queue '" + job.queue() + "' ended " + state + " on attempt "
                + job.attempt() + "/" + job.maxAttempts() + ": " + firstLine(reason));
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "(no reason given)";
        }
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).strip();
    }
}
