package dev.apiary.jpa;

import dev.apiary.JobHandler;
import dev.apiary.JobStatus;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The SQL the JSON payloads guide gives producers in other languages, read from the page and run as it is on
 * PostgreSQL: its NOTIFY reaches a listening storage, and its job runs through a typed handler.
 */
class DocumentedSqlInsertTest {

    private static final Path GUIDE = Path.of("..", "docs", "guides", "json-payloads.md");
    private static final String QUEUE = "welcome-emails";

    /** The payload the guide's insert carries; its JSON is what JSON-B reads into it. */
    public record Email(String to, String subject) {
    }

    @Test
    void theGuidesInsertAndNotifyEnqueueAJobThatATypedHandlerRuns() throws Exception {
        String sql = documentedSql();
        assertThat(sql).contains("INSERT INTO apiary_jobs", "NOTIFY apiary_jobs, '" + QUEUE + "'");
        DataSource listening = TestDatabases.postgresDataSource();
        JpaJobStorage<Email> storage = JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL))
                .queue(QUEUE, Email.class).notifications(listening).build();
        // a second subscriber on the same LISTEN connection, to see the NOTIFY arrive
        Semaphore notified = new Semaphore(0);
        List<Email> handled = new CopyOnWriteArrayList<>();
        Monitor monitor = Monitor.create();
        monitor.register(WorkerBuilder.named("welcome").source(storage).handler(JobHandler.of(handled::add)));
        int listenersBefore = listeners();
        // the listener says when it is connected for this queue; the count of listening sessions alone can stay
        // level while an earlier test's listener, already closed, still has its session open
        List<String> connected = new CopyOnWriteArrayList<>();
        Handler seen = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null && record.getMessage().contains("is connected")
                        && record.getMessage().contains(QUEUE)) {
                    connected.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger listenerLog = Logger.getLogger(PgNotificationListener.class.getName());
        listenerLog.addHandler(seen);
        try (AutoCloseable observer = storage.onAvailable(notified::release)) {
            monitor.start();
            await("LISTEN connected").atMost(Duration.ofSeconds(10))
                    .until(() -> !connected.isEmpty() || listeners() > listenersBefore);
            notified.drainPermits();

            try (Connection c = TestDatabases.postgresDataSource().getConnection();
                 Statement s = c.createStatement()) {
                s.execute(sql);
            }

            assertThat(notified.tryAcquire(5, TimeUnit.SECONDS)).as("the NOTIFY reached the listening node").isTrue();
            await("the job done").atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 1);
            assertThat(handled).containsExactly(new Email("ada@example.com", "Welcome"));
            await("the job settled").atMost(Duration.ofSeconds(10))
                    .until(() -> storage.counts().get(JobStatus.DONE) == 1L);
            assertThat(storage.counts()).containsEntry(JobStatus.PENDING, 0L).containsEntry(JobStatus.KILLED, 0L);
        } finally {
            listenerLog.removeHandler(seen);
            monitor.stop();
            storage.close();
        }
    }

    /** The one SQL block of the guide, exactly as it stands there. */
    private static String documentedSql() throws Exception {
        Matcher sql = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(GUIDE));
        assertThat(sql.find()).as("an SQL block in " + GUIDE).isTrue();
        String text = sql.group(1);
        assertThat(sql.find()).as("only one SQL block in " + GUIDE).isFalse();
        return text;
    }

    /** Connections of the database that listen for pushes now (their last statement was the LISTEN, and they wait). */
    private static int listeners() throws Exception {
        try (Connection c = TestDatabases.postgresDataSource().getConnection();
             Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle'"
                     + " AND query = 'LISTEN " + JobTable.CHANNEL + "'")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
