package dev.apiary.examples.war.report;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.flow.BatchSummary;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.logging.Logger;

/**
 * The callback of a batch of reports ({@code POST /api/reports/batch}): one job, once every report of the batch has
 * ended, with which of them were built and which failed.
 */
@JobWorker(name = "report-digest")
@ApplicationScoped
public class ReportDigest implements JobHandler<BatchSummary> {

    private static final Logger LOG = Logger.getLogger(ReportDigest.class.getName());

    @Override
    public Outcome handle(Job<BatchSummary> job) {
        BatchSummary batch = job.payload();
        int all = batch.succeeded().size() + batch.failed().size();
        String digest = batch.succeeded().size() + " of " + all + " reports built";
        LOG.info(() -> "batch " + batch.batchId() + ": " + digest);
        return Outcome.done(digest);
    }
}
