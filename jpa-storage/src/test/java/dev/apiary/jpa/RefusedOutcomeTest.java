package dev.apiary.jpa;

import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.RecordRefusedException;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A database that refuses an outcome's text for good, as a PostgreSQL database in LATIN1 refuses Greek letters
 * (SQL state 22P05, which no cleaning of NULs or surrogates avoids): the worker isolates that job's outcome, writes
 * it in plain ASCII, and every other outcome of the same batches is written.
 */
class RefusedOutcomeTest {

    private static final int JOBS = 300;
    private static String latin1Url;

    @Test
    void anOutcomeTheDatabaseRefusesIsIsolatedAndEveryOtherIsWritten() throws Exception {
        EntityManagerFactory emf = emf(Provider.HIBERNATE, latin1Database());
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

    @ParameterizedTest
    @EnumSource(Provider.class)
    void theStorageTellsRefusedDataFromADatabaseItCannotReach(Provider provider) throws Exception {
        EntityManagerFactory latin1 = emf(provider, latin1Database());
        String gone = "apiary_gone_" + provider.name().toLowerCase(java.util.Locale.ROOT);
        EntityManagerFactory vanishing = emf(provider, database(gone, "UTF8"));
        try {
            JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(latin1)
                    .queue("refused-" + provider, ContractPayload.class).build();
            storage.push(new ContractPayload("plain", 1));
            JobContext job = storage.claim("w1", 1).get(0).context();

            assertThatThrownBy(() -> storage.settle(List.of(new Settlement(job, Outcome.failed("\u0395")))))
                    .isInstanceOf(RecordRefusedException.class).hasMessageContaining("refused-" + provider)
                    .hasMessageContaining("the database refused the data");
            assertThat(storage.find(job.id()).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

            // a database that goes away under a storage: no refusal of data, so a worker keeps the whole batch
            JpaJobStorage<ContractPayload> away = JpaJobStorage.builder(vanishing).queue("away", ContractPayload.class)
                    .build();
            away.push(new ContractPayload("plain", 2));
            JobContext held = away.claim("w1", 1).get(0).context();
            execute("DROP DATABASE " + gone + " WITH (FORCE)");
            // (EclipseLink lets its own DatabaseException out when the rollback fails on the closed connection)
            assertThatThrownBy(() -> away.settle(List.of(new Settlement(held, Outcome.failed("\u0395")))))
                    .isInstanceOf(RuntimeException.class).isNotInstanceOf(RecordRefusedException.class);
        } finally {
            latin1.close();
            vanishing.close();
        }
    }

    private static EntityManagerFactory emf(Provider provider, String url) {
        return Persistence.createEntityManagerFactory(provider.unit, Map.of("jakarta.persistence.jdbc.url", url,
                "jakarta.persistence.jdbc.user", "postgres", "jakarta.persistence.jdbc.password", ""));
    }

    /** A database of its own in the embedded PostgreSQL, encoded in LATIN1, with Apiary's tables; made once. */
    private static synchronized String latin1Database() throws Exception {
        if (latin1Url == null) {
            latin1Url = database("apiary_latin1", "LATIN1");
        }
        return latin1Url;
    }

    /** A new database in the embedded PostgreSQL with Apiary's tables; its JDBC URL. */
    private static String database(String name, String encoding) throws Exception {
        execute("DROP DATABASE IF EXISTS " + name);
        execute("CREATE DATABASE " + name + " ENCODING '" + encoding + "' LC_COLLATE 'C' LC_CTYPE 'C' "
                + "TEMPLATE template0");
        String url = TestDatabases.url(Db.POSTGRESQL).replaceFirst("/postgres\\?", "/" + name + "?");
        assertThat(url).contains("/" + name + "?");
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            JobSchema.create(c);
        }
        return url;
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(TestDatabases.url(Db.POSTGRESQL), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
