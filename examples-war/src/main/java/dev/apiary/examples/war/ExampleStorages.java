package dev.apiary.examples.war;

import dev.apiary.examples.war.ledger.LedgerEntry;
import dev.apiary.examples.war.mail.Email;
import dev.apiary.examples.war.render.RenderRequest;
import dev.apiary.examples.war.report.ReportRequest;
import dev.apiary.flow.BatchSummary;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceUnit;

/**
 * One durable storage per queue, on the example's JTA persistence unit: a push joins the caller's transaction when
 * there is one. One queue per payload type, so the storages need no qualifier: each {@code @JobWorker} finds its
 * storage by its {@code JobHandler<T>} type, and {@code @Inject JobQueue<Email>} enqueues anywhere in the
 * application. Reminders have no producer here: their worker gets Apiary's default storage, on the data source that
 * {@code apiary.storage.data-source} names in {@code microprofile-config.properties}.
 */
@ApplicationScoped
public class ExampleStorages {

    @PersistenceUnit(unitName = "example")
    EntityManagerFactory emf;

    @Produces
    @ApplicationScoped
    JobStorage<Email> emails() {
        return storage(ExampleQueues.EMAIL, Email.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<ReportRequest> reports() {
        return storage(ExampleQueues.REPORT, ReportRequest.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<LedgerEntry> ledgerEntries() {
        return storage(ExampleQueues.LEDGER, LedgerEntry.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<RenderRequest> renderRequests() {
        return storage(ExampleQueues.RENDER, RenderRequest.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<BatchSummary> reportDigests() {
        return storage(ExampleQueues.REPORT_DIGEST, BatchSummary.class);
    }

    void closeEmails(@Disposes JobStorage<Email> storage) {
        close(storage);
    }

    void closeReports(@Disposes JobStorage<ReportRequest> storage) {
        close(storage);
    }

    void closeLedgerEntries(@Disposes JobStorage<LedgerEntry> storage) {
        close(storage);
    }

    void closeReportDigests(@Disposes JobStorage<BatchSummary> storage) {
        close(storage);
    }

    void closeRenderRequests(@Disposes JobStorage<RenderRequest> storage) {
        close(storage);
    }

    private <T> JobStorage<T> storage(String queue, Class<T> type) {
        return JpaJobStorage.builder(emf).queue(queue, type).jta().build();
    }

    private static void close(JobStorage<?> storage) {
        if (storage instanceof JpaJobStorage<?> jpa) {
            jpa.close();
        }
    }
}
