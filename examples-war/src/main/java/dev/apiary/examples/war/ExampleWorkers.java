package dev.apiary.examples.war;

import dev.apiary.examples.war.ledger.LedgerEntry;
import dev.apiary.examples.war.ledger.LedgerSync;
import dev.apiary.examples.war.mail.Email;
import dev.apiary.examples.war.mail.MailSender;
import dev.apiary.examples.war.reminder.Reminder;
import dev.apiary.examples.war.reminder.ReminderSender;
import dev.apiary.examples.war.report.ReportBuilder;
import dev.apiary.examples.war.report.ReportRequest;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * Builds the example's workers and runs them under one monitor from application start-up to shutdown, on the
 * container's managed executor.
 */
@ApplicationScoped
public class ExampleWorkers {

    private static final Logger LOG = Logger.getLogger(ExampleWorkers.class.getName());

    @Resource
    ManagedExecutorService executor;

    @Inject
    ExampleQueues queues;

    @Inject
    MailSender mailSender;

    @Inject
    ReportBuilder reportBuilder;

    @Inject
    ReminderSender reminderSender;

    @Inject
    LedgerSync ledgerSync;

    @Inject
    @ConfigProperty(name = "example.mail.retry.initial-backoff", defaultValue = "PT1S")
    Duration mailInitialBackoff;

    @Inject
    @ConfigProperty(name = "example.mail.retry.max-backoff", defaultValue = "PT30S")
    Duration mailMaxBackoff;

    @Inject
    @ConfigProperty(name = "example.mail.instances", defaultValue = "2")
    int mailInstances;

    @Inject
    @ConfigProperty(name = "example.mail.concurrency", defaultValue = "4")
    int mailConcurrency;

    @Inject
    @ConfigProperty(name = "example.report.concurrency", defaultValue = "2")
    int reportConcurrency;

    @Inject
    @ConfigProperty(name = "example.ledger.retry.backoff", defaultValue = "PT1S")
    Duration ledgerBackoff;

    private Monitor monitor;

    void start(@Observes Startup startup) {
        monitor = Monitor.create().gracePeriod(Duration.ofSeconds(10));
        monitor.register(mailInstances, i -> WorkerBuilder.named("mail-sender")
                .source(queues.storage(ExampleQueues.EMAIL, Email.class))
                .executor(executor)
                .layer(Layers.tracing())
                .layer(Layers.catchFailure())
                .layer(Layers.retry(RetryPolicy.exponential(mailInitialBackoff, mailMaxBackoff)))
                .concurrency(mailConcurrency)
                .handler(mailSender));
        monitor.register(WorkerBuilder.named("report-builder")
                .source(queues.storage(ExampleQueues.REPORT, ReportRequest.class))
                .executor(executor)
                .layer(Layers.tracing())
                .layer(Layers.catchFailure())
                .layer(Layers.timeout(Duration.ofMinutes(6)))
                .concurrency(reportConcurrency)
                .handler(reportBuilder));
        monitor.register(WorkerBuilder.named("reminder-sender")
                .source(queues.storage(ExampleQueues.REMINDER, Reminder.class))
                .executor(executor)
                .layer(Layers.tracing())
                .layer(Layers.retry(RetryPolicy.defaults()))
                .handler(reminderSender));
        monitor.register(WorkerBuilder.named("ledger-sync")
                .source(queues.storage(ExampleQueues.LEDGER, LedgerEntry.class))
                .executor(executor)
                .layer(Layers.tracing())
                .layer(Layers.catchFailure())
                .layer(Layers.retry(RetryPolicy.exponential(ledgerBackoff, ledgerBackoff.multipliedBy(8))))
                .handler(ledgerSync));
        monitor.start();
        LOG.info(() -> "Apiary example: " + monitor.snapshot().size() + " worker instances started");
    }

    @PreDestroy
    void stop() {
        if (monitor != null) {
            monitor.stop();
        }
    }

    /** Every worker instance's state now. */
    public List<WorkerSnapshot> snapshot() {
        return monitor == null ? List.of() : monitor.snapshot();
    }
}
