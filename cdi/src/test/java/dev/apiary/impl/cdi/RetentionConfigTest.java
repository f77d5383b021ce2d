package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Finished jobs are purged from configuration alone: {@code apiary.storage.retention} for every queue,
 * {@code apiary.queues.<queue>.retention} for one, at {@code apiary.storage.retention-interval}.
 */
@EnableWeld
class RetentionConfigTest {

    @JobWorker(queue = "receipts")
    @ApplicationScoped
    public static class ReceiptWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker(queue = "audit")
    @ApplicationScoped
    public static class AuditWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    public static class Storages {
        @Produces
        @ApplicationScoped
        @Queue("receipts")
        JobStorage<Email> receipts() {
            return InMemory.storage("receipts", Email.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("audit")
        JobStorage<Email> audit() {
            return InMemory.storage("audit", Email.class);
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(ReceiptWorker.class, AuditWorker.class, Storages.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    @Queue("receipts")
    JobQueue<Email> receipts;

    @Inject
    @Queue("receipts")
    JobStorage<Email> receiptsStorage;

    @Inject
    @Queue("audit")
    JobQueue<Email> audit;

    @Inject
    @Queue("audit")
    JobStorage<Email> auditStorage;

    @BeforeAll
    static void config() {
        TestConfig.use(Map.of(
                "apiary.storage.retention", "0s",
                "apiary.queues.audit.retention", "1d",
                "apiary.storage.retention-interval", "100ms",
                "apiary.shutdown.grace-period", "PT1S"));
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void finishedJobsArePurgedAfterTheirQueuesRetentionAndKeptWhereItIsLonger() {
        String receipt = receipts.push(new Email("receipt@example.com"));
        String kept = audit.push(new Email("audit@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> auditStorage.find(kept)
                .map(j -> j.status() == JobStatus.DONE).orElse(false));
        await("the receipt purged").atMost(Duration.ofSeconds(10)).until(() -> receiptsStorage.find(receipt).isEmpty());

        // several purge intervals later the audit job, with its retention of a day, is still there
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> auditStorage.find(kept).isPresent());
        assertThat(auditStorage.find(kept).orElseThrow().status()).isEqualTo(JobStatus.DONE);
    }
}
