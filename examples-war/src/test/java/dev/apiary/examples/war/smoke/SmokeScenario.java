package dev.apiary.examples.war.smoke;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every server must do with the example WAR: boot, report ready with Apiary's own checks, take jobs over REST,
 * run them to their final state (done, and killed for the always-failing one; read and acted on through the
 * dashboard's API) on the container's managed threads, keep {@code @Timeout} jobs within their deadline when they
 * fill the server's default pool, refuse bad requests with a JSON 4xx, and stop gracefully on SIGTERM. One method per
 * check; a check of another feature goes in its own class, called with one line from {@link #run}.
 */
final class SmokeScenario {

    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(300);
    static final Duration JOBS_TIMEOUT = Duration.ofSeconds(90);

    /**
     * Settings given to the server as environment variables, to check that MicroProfile Config reads them. With a
     * fifth of the attempts refused, an e-mail with 5 attempts (a newsletter's) fails for good once in 3000.
     */
    static final Map<String, String> SETTINGS = Map.of("APIARY_WORKERS_MAIL_SENDER_INSTANCES", "3",
            "EXAMPLE_MAIL_FAILURE_SHARE", "0.2",
            // heartbeats due while the report of the SIGTERM check finishes (the stopping thread sends them)
            "APIARY_WORKERS_REPORT_BUILDER_HEARTBEAT_INTERVAL", "1s");

    /** The example's {@code apiary.shutdown.grace-period} (microprofile-config.properties). */
    static final Duration GRACE_PERIOD = Duration.ofSeconds(10);

    private final ServerProcess server;
    /** The example's admin: the scenario reads and acts on jobs through the dashboard's API. */
    private final Http http = new Http("admin:admin");

    private SmokeScenario(ServerProcess server) {
        this.server = server;
    }

    /** Starts {@code server} with the WAR the build produced, runs the scenario and always stops the server. */
    static void run(ServerProcess server) throws Exception {
        Path war = Path.of(System.getProperty("smoke.war", "target/apiary-example.war"));
        Path work = Path.of(System.getProperty("smoke.work", "target/smoke")).resolve(server.name());
        try (server; StorageOutageSmoke database = StorageOutageSmoke.start(work)) {
            long start = System.nanoTime();
            server.start(database.war(war), work, settings(server));
            SmokeScenario scenario = new SmokeScenario(server);
            try {
                scenario.awaitReady();
                System.out.printf("%s ready after %.1f s%n", server.name(), (System.nanoTime() - start) / 1e9);
                scenario.settingsComeFromTheEnvironment();
                scenario.jobsReachTheirFinalState();
                scenario.badRequestsGetJsonErrors();
                MalformedRequestsSmoke.assertOn(server);
                TransactionSmoke.assertOn(server, scenario.http);
                RecurringSmoke.assertOn(server, scenario.http);
                scenario.healthIsUp();
                DashboardSmoke.assertOn(server);
                scenario.healthListsApiarysChecks();
                database.assertOn(server, scenario.http);
                scenario.handlersRunOnManagedThreadsWithTheApplicationsContext();
                scenario.timedJobsFillingTheDefaultPoolAllFinish();
                TelemetrySmoke.assertOn(server);
                JmsSmoke.assertOn(server);
                // last: it stops the server
                scenario.sigtermLetsTheRunningJobFinish();
            } catch (AssertionError | Exception e) {
                throw new AssertionError(server.name() + " smoke test failed: " + e.getMessage()
                        + "\n--- last lines of " + server.log() + " ---\n" + server.logTail(60), e);
            }
        }
    }

    /** The environment the example runs with on {@code server}: the scenario's settings and the server's own. */
    static Map<String, String> settings(ServerProcess server) {
        Map<String, String> settings = new java.util.HashMap<>(SETTINGS);
        settings.put("APIARY_WORKERS_PAGE_RENDERER_CONCURRENCY", Integer.toString(server.timedConcurrency()));
        settings.putAll(TransactionSmoke.SETTINGS);
        settings.putAll(server.settings());
        return settings;
    }

    private void awaitReady() throws Exception {
        Instant deadline = Instant.now().plus(BOOT_TIMEOUT);
        String last = "nothing yet";
        while (Instant.now().isBefore(deadline)) {
            if (!server.isAlive()) {
                throw new AssertionError(server.name() + " exited before it was ready");
            }
            var failure = server.deploymentFailure();
            if (failure.isPresent()) {
                throw new AssertionError(server.name() + " failed to deploy the WAR: " + failure.get());
            }
            try {
                Http.Answer ready = http.get(server.health().resolve("ready"));
                Http.Answer workers = http.get(dashboard("workers"));
                last = "ready: " + ready.status() + " " + ready.body() + "; workers: " + workers.status();
                if (ready.status() == 200 && ready.body().contains("\"UP\"") && workers.status() == 200
                        && !workers.json().asJsonArray().isEmpty()) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError(server.name() + " not ready within " + BOOT_TIMEOUT + "; last answer: " + last);
    }

    private void settingsComeFromTheEnvironment() throws Exception {
        // the dashboard lists the instances that have heartbeated: each does within its first interval
        Instant deadline = Instant.now().plus(JOBS_TIMEOUT);
        Http.Answer workers;
        long mailSenders;
        do {
            workers = http.get(dashboard("workers"));
            mailSenders = workers.json().asJsonArray().stream()
                    .filter(w -> "mail-sender".equals(w.asJsonObject().getString("worker", null))).count();
        } while (mailSenders < 3 && Instant.now().isBefore(deadline) && pause());
        assertThat(mailSenders).as("mail-sender instances (APIARY_WORKERS_MAIL_SENDER_INSTANCES=3): " + workers.body())
                .isEqualTo(3);
    }

    private static boolean pause() throws InterruptedException {
        Thread.sleep(500);
        return true;
    }

    private void jobsReachTheirFinalState() throws Exception {
        // given jobs of every kind: e-mails (some attempts fail and are retried), a slow report,
        // a reminder due 3 s from now and a ledger sync that always fails
        List<String> mails = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            mails.add(enqueue("email", "maxAttempts=10",
                    "{\"to\":\"user" + i + "@example.com\",\"subject\":\"Welcome " + i + "\"}"));
        }
        String report = enqueue("report", "", "{\"name\":\"monthly\",\"seconds\":2}");
        String reminder = enqueue("reminder", "delaySeconds=3", "{\"to\":\"ops\",\"text\":\"check the report\"}");
        String ledger = enqueue("ledger-sync", "maxAttempts=3", "{\"account\":\"ACME\",\"amount\":12.50}");
        Http.Answer newsletter = http.post(api("mails/newsletter"), "{\"subject\":\"News\",\"recipients\":"
                + "[\"n1@example.com\",\"n2@example.com\",\"n3@example.com\"]}");
        assertThat(newsletter.status()).as(newsletter.body()).isEqualTo(201);
        newsletter.object().getJsonArray("ids").forEach(id -> mails.add(((jakarta.json.JsonString) id).getString()));
        assertThat(mails).hasSize(7);

        // when the workers have had their time, then each job is in its final state
        for (String id : mails) {
            assertThat(awaitFinal("email", id).getString("status")).as("e-mail " + id).isEqualTo("DONE");
        }
        assertThat(awaitFinal("report", report).getString("status")).isEqualTo("DONE");
        JsonObject reminded = awaitFinal("reminder", reminder);
        assertThat(reminded.getString("status")).isEqualTo("DONE");
        assertThat(Instant.parse(reminded.getString("finishedAt")))
                .isAfterOrEqualTo(Instant.parse(reminded.getString("enqueuedAt")).plusSeconds(3));
        JsonObject killed = awaitFinal("ledger-sync", ledger);
        assertThat(killed.getString("status")).isEqualTo("KILLED");
        assertThat(killed.getInt("attempts")).isEqualTo(3);
        assertThat(killed.getString("lastError")).contains("ledger unreachable");

        // and every sent e-mail is in the table
        Http.Answer sent = http.get(api("mails"));
        assertThat(sent.status()).as(sent.body()).isEqualTo(200);
        assertThat(sent.object().getJsonNumber("total").longValue()).isGreaterThanOrEqualTo(mails.size());

        // and a killed job can be retried, and killed again
        Http.Answer retried = http.post(dashboard("queues/ledger-sync/jobs/" + ledger + "/retry"), "");
        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
        assertThat(retried.object().getString("status")).isIn("PENDING", "RUNNING");
        Http.Answer killedAgain = http.post(dashboard("queues/ledger-sync/jobs/" + ledger + "/kill?reason=smoke"),
                "");
        assertThat(killedAgain.status()).as(killedAgain.body()).isEqualTo(200);
        assertThat(killedAgain.object().getString("status")).isEqualTo("KILLED");

        // and the listing pages by status
        Http.Answer done = http.get(dashboard("queues/email/jobs?status=done&limit=2"));
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        assertThat(done.object().getJsonArray("items")).hasSize(2);
        assertThat(done.object().getJsonNumber("total").longValue()).isEqualTo(mails.size());

        // and the workers are all alive
        Http.Answer workers = http.get(dashboard("workers"));
        for (JsonValue worker : workers.json().asJsonArray()) {
            assertThat(worker.asJsonObject().getString("state")).isIn("IDLE", "ENGAGED");
        }
    }

    private void badRequestsGetJsonErrors() throws Exception {
        expectJsonError(http.post(api("queues/no-such-queue/jobs"), "{}"), 404);
        expectJsonError(http.post(api("queues/email/jobs"), "{\"to\": "), 400);
        expectJsonError(http.post(api("queues/email/jobs"), "{\"subject\":\"no recipient\"}"), 400);
        expectJsonError(http.post(api("queues/email/jobs?maxAttempts=many"), "{}"), 400);
        expectJsonError(http.get(dashboard("queues/email/jobs?status=LOST")), 400);
        expectJsonError(http.get(dashboard("queues/email/jobs/no-such-job")), 404);
        expectJsonError(http.post(api("mails/newsletter"), "{\"subject\":\"x\",\"recipients\":[\"not-an-address\"]}"),
                400);
    }

    private void healthIsUp() throws Exception {
        for (String probe : List.of("ready", "live")) {
            Http.Answer answer = http.get(server.health().resolve(probe));
            assertThat(answer.status()).as(probe + ": " + answer.body()).isEqualTo(200);
            assertThat(answer.object().getString("status")).isEqualTo("UP");
        }
    }

    /** Apiary's own checks are in both probes, not only the server's (which alone would also say UP). */
    private void healthListsApiarysChecks() throws Exception {
        Map<String, String> expected = Map.of("ready", "apiary-workers", "live", "apiary-pollers");
        for (var probe : expected.entrySet()) {
            Http.Answer answer = http.get(server.health().resolve(probe.getKey()));
            JsonObject check = answer.object().getJsonArray("checks").stream().map(JsonValue::asJsonObject)
                    .filter(c -> c.getString("name").equals(probe.getValue())).findFirst()
                    .orElseThrow(() -> new AssertionError("no check " + probe.getValue() + " in /health/"
                            + probe.getKey() + ": " + answer.body()));
            assertThat(check.getString("status")).as(answer.body()).isEqualTo("UP");
            assertThat(check.getJsonObject("data").keySet()).as(answer.body()).anyMatch(k -> k.startsWith(
                    "mail-sender"));
        }
        System.out.printf("%s /health/ready: %s%n", server.name(),
                http.get(server.health().resolve("ready")).body());
        System.out.printf("%s /health/live: %s%n", server.name(), http.get(server.health().resolve("live")).body());
    }

    /**
     * A handler looks up {@code java:comp/DefaultManagedExecutorService}, which only a thread with the
     * application's naming context can: the job is DONE only when it ran on a managed thread.
     */
    private void handlersRunOnManagedThreadsWithTheApplicationsContext() throws Exception {
        String id = enqueue("render", "maxAttempts=1", "{\"page\":\"context\",\"millis\":0}");
        JsonObject job = awaitFinal("render", id);
        assertThat(job.getString("status")).as("a java:comp lookup in the handler: " + job).isEqualTo("DONE");
        String line = server.logLines().stream().filter(l -> l.contains("page " + id)).findFirst().orElseThrow();
        System.out.printf("%s handler: %s%n", server.name(), line.substring(line.indexOf("page ")));
    }

    /**
     * With the worker's concurrency equal to the server's default pool size (see
     * {@link ServerProcess#timedConcurrency()}), twice as many jobs as slots, each taking more than half of its 4 s
     * {@code @Timeout}, all end DONE: the timeout takes no second thread and does
     * not count time spent waiting for one.
     */
    private void timedJobsFillingTheDefaultPoolAllFinish() throws Exception {
        int jobs = 2 * server.timedConcurrency();
        long start = System.nanoTime();
        // pushed from a few threads: hundreds of requests one after the other would take longer than the jobs
        List<String> ids = new ArrayList<>();
        java.util.concurrent.ExecutorService pushers = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<String>> pushed = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                String body = "{\"page\":\"p" + i + "\",\"millis\":2500}";
                pushed.add(pushers.submit(() -> enqueue("render", "maxAttempts=1", body)));
            }
            for (java.util.concurrent.Future<String> id : pushed) {
                ids.add(id.get());
            }
        } finally {
            pushers.shutdownNow();
        }
        List<String> notDone = new ArrayList<>();
        for (String id : ids) {
            JsonObject job = awaitFinal("render", id);
            if (!job.getString("status").equals("DONE")) {
                notDone.add(id + " " + job.getString("status") + ": " + job.getString("lastError", ""));
            }
        }
        assertThat(notDone).as(jobs + " jobs of 2.5 s with @Timeout(4s), concurrency " + server.timedConcurrency())
                .isEmpty();
        System.out.printf("%s timeout: %d jobs of 2.5 s (@Timeout 4 s, concurrency %d) all DONE in %.1f s%n",
                server.name(), jobs, server.timedConcurrency(), (System.nanoTime() - start) / 1e9);
    }

    /**
     * SIGTERM while a 4 s report runs: the monitor stops gracefully, the report finishes within the grace period and
     * nothing is handed back, and the server exits. The evidence is the report's end before {@code Apiary monitor
     * stopped} in the log, or, where logging is closed before the application stops (Payara Micro), the
     * monitor's own account on standard error: {@code 1 jobs were running, 1 finished within the grace period}.
     */
    private void sigtermLetsTheRunningJobFinish() throws Exception {
        String id = enqueue("report", "", "{\"name\":\"at-shutdown\",\"seconds\":4}");
        awaitStatus("report", id, "RUNNING");
        // RUNNING is stored at the claim; the handler may start a moment later, and a job claimed but not started
        // when the stop begins is handed back (correctly), not run: wait for the handler itself
        awaitLogLine("report " + id + " 'at-shutdown': building");
        int linesBefore = server.logLines().size();
        Duration stopped = server.terminate(GRACE_PERIOD.plusSeconds(40));
        List<String> log = server.logLines();
        System.out.printf("%s SIGTERM: exited after %s%n", server.name(), stopped);
        assertThat(stopped).as("exit after SIGTERM").isNotNull();
        int monitorStopped = indexOf(log, "Apiary monitor stopped");
        assertThat(monitorStopped).as("the monitor's graceful stop in the log").isNotNegative();
        int done = indexOf(log, "report " + id + " 'at-shutdown': done");
        java.util.regex.Matcher account = java.util.regex.Pattern
                .compile("Apiary monitor stopped on JVM shutdown .*: (\\d+) jobs were running, (\\d+) finished")
                .matcher(log.get(monitorStopped));
        boolean accounted = account.find() && Integer.parseInt(account.group(1)) >= 1
                && account.group(1).equals(account.group(2));
        assertThat(done >= 0 && done < monitorStopped || accounted)
                .as("the running report ended before the monitor stopped: " + log.get(monitorStopped)).isTrue();
        assertThat(log).as("nothing handed back or left unsettled")
                .noneMatch(l -> l.contains("hands back") || l.contains(" stopped with "));
        assertThat(log.subList(linesBefore, log.size()))
                .as("tasks the server refused while it suspended (WildFly's WFLYEE0110), failed heartbeats")
                .noneMatch(l -> l.contains("WFLYEE0110") || l.contains("cannot heartbeat"));
        System.out.printf("%s SIGTERM: %s%n", server.name(), log.get(monitorStopped).strip());
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    private void awaitLogLine(String text) throws Exception {
        Instant deadline = Instant.now().plus(JOBS_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (server.logLines().stream().anyMatch(l -> l.contains(text))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no log line '" + text + "' within " + JOBS_TIMEOUT);
    }

    private void awaitStatus(String queue, String id, String status) throws Exception {
        Instant deadline = Instant.now().plus(JOBS_TIMEOUT);
        JsonObject job = null;
        while (Instant.now().isBefore(deadline)) {
            job = http.get(dashboard("queues/" + queue + "/jobs/" + id)).object();
            if (job.getString("status").equals(status)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + id + " of " + queue + " not " + status + " within " + JOBS_TIMEOUT + ": "
                + job);
    }

    private static void expectJsonError(Http.Answer answer, int status) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/json");
        assertThat(answer.object().getInt("status")).isEqualTo(status);
        assertThat(answer.object().getString("message")).isNotBlank();
        assertThat(answer.body()).doesNotContain("\tat ", "\\tat ", "Exception:");
    }

    private String enqueue(String queue, String query, String body) throws Exception {
        Http.Answer answer = http.post(api("queues/" + queue + "/jobs" + (query.isEmpty() ? "" : "?" + query)), body);
        assertThat(answer.status()).as("enqueue into " + queue + ": " + answer.body()).isEqualTo(201);
        return answer.object().getString("id");
    }

    private JsonObject awaitFinal(String queue, String id) throws Exception {
        Instant deadline = Instant.now().plus(JOBS_TIMEOUT);
        JsonObject job = null;
        while (Instant.now().isBefore(deadline)) {
            Http.Answer answer = http.get(dashboard("queues/" + queue + "/jobs/" + id));
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            job = answer.object();
            if (List.of("DONE", "FAILED", "KILLED").contains(job.getString("status"))) {
                return job;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("job " + id + " of " + queue + " not final within " + JOBS_TIMEOUT + ": " + job);
    }

    private URI api(String path) {
        return server.app().resolve("api/" + path);
    }

    /** The dashboard's API, where jobs and workers are read and acted on. */
    private URI dashboard(String path) {
        return server.app().resolve("apiary/api/" + path);
    }
}
