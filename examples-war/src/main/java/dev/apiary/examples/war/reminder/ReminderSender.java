package dev.apiary.examples.war.reminder;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Traced;
import dev.apiary.examples.war.ExampleQueues;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.logging.Logger;

/**
 * Sends reminders; they are pushed with a run-at in the future, so this shows a job scheduled for later. Its queue
 * has no storage producer: it gets Apiary's default storage, on the data source {@code apiary.storage.data-source}
 * names.
 */
@JobWorker(name = "reminder-sender", queue = ExampleQueues.REMINDER)
@Traced
@Retry
@ApplicationScoped
public class ReminderSender implements JobHandler<Reminder> {

    private static final Logger LOG = Logger.getLogger(ReminderSender.class.getName());

    @Override
    public Outcome handle(Job<Reminder> job) {
        Duration late = Duration.between(job.context().runAt(), Instant.now());
        LOG.info(() -> "reminder " + job.id() + " to " + job.payload().to() + ": '" + job.payload().text()
                + "' (enqueued " + job.context().enqueuedAt() + ", due " + job.context().runAt() + ", ran "
                + late.toMillis() + " ms after)");
        return Outcome.done();
    }
}
