package dev.apiary.testing.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Retry;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CDI test kit as a user writes it: a {@code @JobWorker} bean with a retry interceptor and a configured
 * max-attempts, an in-memory storage nobody produced, run until drained.
 */
@EnableWeld
class CdiJobTesterTest {

    public record Invoice(String customer) {
    }

    @ApplicationScoped
    public static class Ledger {
        private final List<String> attempts = new CopyOnWriteArrayList<>();

        List<String> attempts() {
            return attempts;
        }
    }

    @JobWorker(name = "invoices")
    @Retry(maxAttempts = 5, initialDelay = "10ms", maxDelay = "10ms", jitter = 0)
    public static class InvoiceWorker implements JobHandler<Invoice> {
        @Inject
        Ledger ledger;

        @Override
        public Outcome handle(Job<Invoice> job) {
            ledger.attempts().add(job.payload().customer() + "#" + job.context().attempt());
            if (job.payload().customer().equals("bad")) {
                throw new IllegalStateException("ledger refused " + job.payload().customer());
            }
            return Outcome.done();
        }
    }

    @BeforeAll
    static void config() {
        // overrides @Retry(maxAttempts = 5): the key reaches the interceptor
        CdiJobTester.config(Map.of("apiary.workers.invoices.max-attempts", "2"));
    }

    @AfterAll
    static void clearConfig() {
        CdiJobTester.config(Map.of());
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(InvoiceWorker.class, Ledger.class)
            .addExtension(CdiJobTester.extension())).build();

    @Inject
    JobQueue<Invoice> invoices;

    @Inject
    Ledger ledger;

    @Test
    void runsAWorkerWithItsInterceptorsAndConfigurationUntilDrained() {
        String good = invoices.push(new Invoice("good"));
        String bad = invoices.push(new Invoice("bad"));

        CdiJobTester.drain(Duration.ofSeconds(20));

        JobStorage<Invoice> storage = CdiJobTester.storage("invoices", Invoice.class);
        assertThat(storage.find(good).orElseThrow().status()).as("good: %s", storage.find(good).orElseThrow().lastError())
                .isEqualTo(JobStatus.DONE);
        assertThat(storage.find(bad).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(storage.find(bad).orElseThrow().lastError()).contains("ledger refused bad");
        assertThat(ledger.attempts()).containsExactlyInAnyOrder("good#1", "bad#1", "bad#2");
    }
}
