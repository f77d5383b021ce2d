package dev.apiary.impl.worker;

import dev.apiary.JobContext;
import dev.apiary.JobStatus;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredText;

import java.util.logging.Logger;

/**
 * Makes a job that ends failed or killed visible without any layer or listener: one WARNING per job, under the
 * logger {@code dev.apiary.jobs}, with its id, queue, attempt and reason (the first line of the error).
 */
final class FinalStateLog {

    private static final Logger LOG = Logger.getLogger("dev.apiary.jobs");
    private static final int FIRST_LINE = 1_000;

    private FinalStateLog() {
    }

    /** Logs {@code settlement} when the job ends failed or killed with it. */
    static void settled(Settlement settlement) {
        JobStatus status = settlement.status();
        if (status != JobStatus.FAILED && status != JobStatus.KILLED) {
            return;
        }
        JobContext job = settlement.job();
        LOG.warning(() -> "Job " + job.id() + " in queue '" + job.queue() + "' ended " + status + " on attempt "
                + job.attempt() + "/" + job.maxAttempts() + ": " + firstLine(settlement.error()));
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "(no reason given)";
        }
        int end = text.indexOf('\n');
        // a line of megabytes (an upstream's whole response as a message) would flood the log
        return StoredText.clean((end < 0 ? text : text.substring(0, end)).strip(), FIRST_LINE);
    }
}
