package dev.apiary.examples.war.report;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobProgress;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Recurring;
import dev.apiary.cdi.Timeout;
import dev.apiary.cdi.Traced;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * Builds a report: slow work that holds a slot for a few seconds; an attempt longer than 6 minutes fails. A nightly
 * report is built on a schedule (its payload from {@link NightlyReport}); the demo's configuration fires it every 10 s.
 */
@JobWorker(name = "report-builder", concurrency = 2)
@Recurring(name = "nightly-report", cron = "0 0 2 * * *", zone = "Europe/Paris")
@Traced
@Timeout("6m")
@ApplicationScoped
public class ReportBuilder implements JobHandler<ReportRequest> {

    private static final Logger LOG = Logger.getLogger(ReportBuilder.class.getName());

    private static final int STEPS = 10;

    /** The progress of the job this call handles (looked up at each report, so fine in an application-scoped bean). */
    @Inject
    JobProgress progress;

    @Inject
    @ConfigProperty(name = "example.report.duration", defaultValue = "PT3S")
    Duration duration;

    @Override
    public Outcome handle(Job<ReportRequest> job) throws InterruptedException {
        ReportRequest request = job.payload();
        Duration takes = request.seconds() != null ? Duration.ofSeconds(request.seconds()) : duration;
        if (request.dataReadyAt() != null && Instant.now().isBefore(request.dataReadyAt())) {
            return Outcome.failed("the data of report '" + request.name() + "' is not ready before "
                    + request.dataReadyAt() + "; retry it then");
        }
        LOG.info(() -> "report " + job.id() + " '" + request.name() + "': building, takes " + takes);
        // ten steps, each reported: the dashboard shows the job's progress bar advance
        for (int step = 1; step <= STEPS; step++) {
            Thread.sleep(takes.toMillis() / STEPS);
            progress.report(step * 100 / STEPS, "section " + step + " of " + STEPS);
        }
        int rows = ThreadLocalRandom.current().nextInt(100, 10_000);
        LOG.info(() -> "report " + job.id() + " '" + request.name() + "': done, " + rows + " rows");
        return Outcome.done(rows + " rows");
    }
}
