package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A configured {@code apiary.*} key or {@code APIARY_*} variable that matches nothing is logged at WARNING with the
 * closest valid key, instead of being silently ignored.
 */
class UnknownKeysTest {

    @JobWorker(name = "invoices")
    @ApplicationScoped
    public static class InvoiceWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        @Produces
        @ApplicationScoped
        JobStorage<Email> emails() {
            return InMemory.storage("invoices", Email.class);
        }
    }

    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger("dev.apiary.impl.config.UnknownKeys");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @AfterEach
    void clear() {
        logger.removeHandler(capture);
        TestConfig.clear();
    }

    @Test
    void misspeltKeysAreWarnedWithTheClosestValidKey() {
        logger.addHandler(capture);
        TestConfig.use(Map.of(
                "APIARY_WORKERS_INVOICE_INSTANCES", "2",           // worker name misspelt, environment style
                "apiary.workers.invoices.concurrencyy", "4",       // setting misspelt
                "apiary.workers.invoices.instances", "1",          // valid
                "APIARY_SHUTDOWN_GRACE_PERIOD", "5s",              // valid, environment style
                "apiary.dashboard.audit-size", "50"));             // valid, read by the dashboard module

        try (WeldContainer container = new Weld().disableDiscovery()
                .addBeanClasses(InvoiceWorker.class, Storages.class).addExtension(new ApiaryExtension())
                .initialize()) {
            assertThat(container.isRunning()).isTrue();
        }

        assertThat(warnings).extracting(LogRecord::getMessage).containsExactlyInAnyOrder(
                "Environment variable APIARY_WORKERS_INVOICE_INSTANCES matches no Apiary key and is ignored; did you"
                        + " mean apiary.workers.invoices.instances (APIARY_WORKERS_INVOICES_INSTANCES)?",
                "Configuration key apiary.workers.invoices.concurrencyy matches no Apiary key and is ignored; did you"
                        + " mean apiary.workers.invoices.concurrency?");
    }
}
