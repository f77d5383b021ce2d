package dev.apiary.examples.war.smoke;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Enqueueing in a container-managed transaction on the example's PostgreSQL XA data source (see
 * {@link StorageOutageSmoke}): the storage found PostgreSQL by itself (EclipseLink on Payara and Open Liberty,
 * Hibernate on WildFly), a rolled-back push leaves no job, and a commit wakes the idle workers at once. The
 * newsletter's reminder goes through Apiary's default storage on the unit it builds on the data source
 * {@code apiary.storage.data-source} names: it joins the same transaction, so it is rolled back or committed with the
 * e-mails. For the last
 * the mail senders poll only every {@value #POLL_SECONDS} s, so a job that starts within {@link #WOKEN} of the commit
 * in each of {@value #ROUNDS} rounds was woken, not found by a poll.
 */
final class TransactionSmoke {

    static final int POLL_SECONDS = 10;
    /** The settings that make the mail senders' idle polls rare. */
    static final Map<String, String> SETTINGS = Map.of(
            "APIARY_WORKERS_MAIL_SENDER_POLL_INTERVAL", POLL_SECONDS + "s",
            "APIARY_WORKERS_MAIL_SENDER_MAX_POLL_INTERVAL", POLL_SECONDS + "s");
    private static final int ROUNDS = 6;
    private static final Duration WOKEN = Duration.ofSeconds(2);

    private final ServerProcess server;
    private final Http http;

    private TransactionSmoke(ServerProcess server, Http http) {
        this.server = server;
        this.http = http;
    }

    static void assertOn(ServerProcess server, Http http) throws Exception {
        TransactionSmoke smoke = new TransactionSmoke(server, http);
        smoke.theStorageFoundPostgresqlByItself();
        smoke.aRolledBackPushLeavesNoJob();
        smoke.aCommitWakesTheWorkers();
        smoke.theWakeUpsLeftTheCommittedTransactionsAlone();
    }

    /**
     * A commit wakes the workers from its after-commit callback, through a contextual proxy; one that suspended and
     * resumed the finished transaction made Payara log SEVERE {@code InvalidTransactionException} at every commit.
     */
    private void theWakeUpsLeftTheCommittedTransactionsAlone() {
        assertThat(server.logLines()).as("the log, " + server.log())
                .noneMatch(line -> line.contains("InvalidTransactionException"));
    }

    private void theStorageFoundPostgresqlByItself() {
        assertThat(server.logLines()).as("the e-mail storage's SQL, in " + server.log())
                .anyMatch(line -> line.contains("Job storage of queue 'email' uses POSTGRESQL SQL (detected)"));
        assertThat(server.logLines()).as("the reminder's default storage, in " + server.log())
                .anyMatch(line -> line.contains("Job storage of queue 'reminder' uses POSTGRESQL SQL (detected)"))
                .anyMatch(line -> line.contains("Job storage of queue 'reminder' uses Apiary's persistence unit on"
                        + " the data source java:app/jdbc/apiary-example (apiary.storage.data-source)"));
        // the default storage listens for other nodes' pushes through the server's pool wrapper, on every server:
        // on Open Liberty the data source's driver is the shared library's copy, another class than the WAR's own
        // copy the application sees, so it is reached through the driver's own class loader
        assertThat(server.logLines()).as("LISTEN, in " + server.log())
                .anyMatch(line -> line.contains("LISTEN apiary_jobs is connected"))
                .noneMatch(line -> line.contains("No LISTEN apiary_jobs"));
    }

    private void aRolledBackPushLeavesNoJob() throws Exception {
        Http.Answer dryRun = http.post(api("mails/newsletter?dryRun=true"), "{\"subject\":\"Draft\",\"recipients\":"
                + "[\"d1@example.com\",\"d2@example.com\",\"d3@example.com\"]}");
        assertThat(dryRun.status()).as(dryRun.body()).isEqualTo(200);
        List<String> ids = ids(dryRun);
        assertThat(ids).hasSize(3);
        for (String id : ids) {
            Http.Answer job = http.get(dashboard("queues/email/jobs/" + id));
            assertThat(job.status()).as("job " + id + " of a rolled-back push: " + job.body()).isEqualTo(404);
        }
        // the reminder went through the default storage's own unit (apiary.storage.data-source): rolled back too
        String reminder = dryRun.object().getString("reminder");
        Http.Answer job = http.get(dashboard("queues/reminder/jobs/" + reminder));
        assertThat(job.status()).as("reminder " + reminder + " of a rolled-back push: " + job.body()).isEqualTo(404);
    }

    private void aCommitWakesTheWorkers() throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            Http.Answer sent = http.post(api("mails/newsletter"), "{\"subject\":\"Wake " + round
                    + "\",\"recipients\":[\"wake" + round + "@example.com\"]}");
            long committed = System.nanoTime();
            assertThat(sent.status()).as(sent.body()).isEqualTo(201);
            String id = ids(sent).get(0);
            if (round == 0) {
                String reminder = sent.object().getString("reminder");
                Http.Answer committedReminder = http.get(dashboard("queues/reminder/jobs/" + reminder));
                assertThat(committedReminder.status()).as("reminder " + reminder + " of a committed push: "
                        + committedReminder.body()).isEqualTo(200);
            }
            long giveUp = committed + Duration.ofSeconds(3L * POLL_SECONDS).toNanos();
            JsonObject job;
            do {
                job = http.get(dashboard("queues/email/jobs/" + id)).object();
            } while (job.getInt("attempts") == 0 && System.nanoTime() < giveUp && pause());
            millis.add((System.nanoTime() - committed) / 1_000_000);
            assertThat(job.getInt("attempts")).as("job " + id + " started: " + job).isPositive();
        }
        System.out.printf("%s: commit to start of the job, %d rounds (idle polls every %d s): %s ms%n",
                server.name(), ROUNDS, POLL_SECONDS, millis);
        assertThat(millis).as("ms from each commit to its job's start").allMatch(ms -> ms < WOKEN.toMillis());
    }

    private static boolean pause() throws InterruptedException {
        Thread.sleep(20);
        return true;
    }

    private static List<String> ids(Http.Answer answer) {
        return answer.object().getJsonArray("ids").stream().map(v -> ((JsonString) v).getString()).toList();
    }

    private URI api(String path) {
        return server.app().resolve("api/" + path);
    }

    private URI dashboard(String path) {
        return server.app().resolve("apiary/api/" + path);
    }
}
