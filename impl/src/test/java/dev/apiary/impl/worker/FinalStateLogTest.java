package dev.apiary.impl.worker;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A job that ends failed or killed is logged once at WARNING, with no tracing layer and no listener. */
class FinalStateLogTest {

    record Entry(String account) {
    }

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger("dev.apiary.jobs");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Monitor monitor;

    @AfterEach
    void stop() {
        logger.removeHandler(capture);
        if (monitor != null) {
            monitor.stop();
        }
    }

    @Test
    void failedAndKilledJobsAreLoggedOnceAtWarningWithIdQueueAndReason() {
        logger.addHandler(capture);
        JobStorage<Entry> storage = InMemory.storage("ledger", Entry.class);
        monitor = Monitor.create();
        monitor.register(WorkerBuilder.named("ledger").source(storage)
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(1), Duration.ofMillis(1))))
                .handler(job -> switch (job.payload().account()) {
                    case "closed" -> Outcome.kill("account closed");
                    case "flaky" -> throw new IllegalStateException("ledger unreachable\nsecond line");
                    default -> Outcome.done();
                }));
        monitor.start();

        String killed = storage.push(new Entry("closed"));
        String failed = storage.push(new Entry("flaky"), JobOptions.defaults().withMaxAttempts(2));
        String done = storage.push(new Entry("ok"));
        await().atMost(Duration.ofSeconds(10)).until(() -> List.of(killed, failed, done).stream()
                .allMatch(id -> storage.find(id).orElseThrow().status().isFinal()));

        assertThat(records).filteredOn(r -> r.getLevel() == Level.WARNING).extracting(LogRecord::getMessage)
                .containsExactlyInAnyOrder(
                        "Job " + killed + " in queue 'ledger' ended KILLED on attempt 1/3: account closed",
                        "Job " + failed + " in queue 'ledger' ended FAILED on attempt 2/2: "
                                + "java.lang.IllegalStateException: ledger unreachable");
        assertThat(storage.find(done).orElseThrow().status()).isEqualTo(JobStatus.DONE);
    }
}
