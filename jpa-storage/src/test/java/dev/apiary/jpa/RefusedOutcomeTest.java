package dev.apiary.jpa;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.spi.StoredJob;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A database that refuses an outcome's text for good, as a PostgreSQL database in LATIN1 refuses Greek letters
 * (SQL state 22P05, which no cleaning of NULs or surrogates avoids): the worker isolates that job's outcome, writes
 * it in plain ASCII, and every other outcome of the same batches is written.
 */
class RefusedOutcomeTest {

    private static final int JOBS = 300;

    @Test
    void anOutcomeTheDatabaseRefusesIsIsolatedAndEveryOtherIsWritten() throws Exception {
        String url = latin1Database();
        EntityManagerFactory emf = Persistence.createEntityManagerFactory(TestDatabases.Provider.HIBERNATE.unit,
                Map.of("jakarta.persistence.jdbc.url", url, "jakarta.persistence.jdbc.user", "postgres",
                        "jakarta.persistence.jdbc.password", ""));
        JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(emf).queue("latin1", ContractPayload.class)
                .build();
        // every 50th job fails with text LATIN1 has no code for
        List<String> ids = storage.pushAll(IntStream.range(0, JOBS).mapToObj(n -> new ContractPayload(
                n % 50 == 7 ? "greek" : "plain", n)).toList(), JobOptions.defaults().withMaxAttempts(1));
        Monitor monitor = Monitor.create();
        monitor.register(WorkerBuilder.named("latin1").source(storage).concurrency(8).handler(job -> {
            if (job.payload().name().equals("greek")) {
                throw new IllegalStateException("upstream said \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac "
                        + "for job " + job.payload().n());
            }
            return Outcome.done();
        }));
        try {
            long start = System.nanoTime();
            monitor.start();

            await("every job final").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> storage.counts().get(JobStatus.DONE) + storage.counts().get(JobStatus.FAILED)
                            == JOBS);
            Duration allFinal = Duration.ofNanos(System.nanoTime() - start);

            assertThat(storage.counts()).containsEntry(JobStatus.DONE, (long) JOBS - 6)
                    .containsEntry(JobStatus.FAILED, 6L).containsEntry(JobStatus.RUNNING, 0L);
            for (int n = 7; n < JOBS; n += 50) {
                StoredJob<ContractPayload> job = storage.find(ids.get(n)).orElseThrow();
                assertThat(job.status()).isEqualTo(JobStatus.FAILED);
                assertThat(job.lastError()).startsWith("java.lang.IllegalStateException: upstream said "
                        + "\\u0395\\u03bb\\u03bb\\u03b7\\u03bd\\u03b9\\u03ba\\u03ac for job " + n)
                        .contains("\tat dev.apiary.jpa.RefusedOutcomeTest");
            }
            System.out.println("Refused outcomes: " + JOBS + " jobs, 6 refused by a LATIN1 database, all final after "
                    + allFinal.toMillis() + " ms");
        } finally {
            monitor.stop();
            storage.close();
            emf.close();
        }
    }

    /** A database of its own in the embedded PostgreSQL, encoded in LATIN1, with Apiary's tables. */
    private static String latin1Database() throws Exception {
        String postgres = TestDatabases.url(Db.POSTGRESQL);
        try (Connection c = DriverManager.getConnection(postgres, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS apiary_latin1");
            s.execute("CREATE DATABASE apiary_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' "
                    + "TEMPLATE template0");
        }
        String url = postgres.replaceFirst("/postgres\\?", "/apiary_latin1?");
        assertThat(url).contains("/apiary_latin1?");
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            JobSchema.create(c);
        }
        return url;
    }
}
