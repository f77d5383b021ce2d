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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ordinary day of a server with the example WAR: it starts while a readiness probe asks every 50 ms (as
 * Kubernetes may), runs a job, and is stopped one of the ways its operators stop it. The whole log then has no
 * ERROR or SEVERE line and no stack trace, and every probe answered before the workers ran said DOWN with Apiary's
 * {@code apiary-workers} check DOWN {@code starting} (or had no such check yet), and UP only once the workers ran.
 */
final class QuietStartStop {

    private static final Duration PROBE_INTERVAL = Duration.ofMillis(50);
    /** Lines a server writes for an error, in the formats of WildFly, Open Liberty and Payara Micro. */
    private static final Pattern ERROR = Pattern.compile("\\bERROR\\b|\\bSEVERE\\b|\\bFATAL\\b|\\[ERROR ");
    /** A stack trace's frames, causes, and exception lines. */
    private static final Pattern STACK = Pattern.compile(
            "^\\s+at [\\w$.]+\\(.*\\)\\s*$|^\\s*Caused by: |^\\s*\\.\\.\\. \\d+ more\\s*$");

    private final ServerProcess server;
    /** The dashboard's API needs a login; probes and the example's own API do not (and get no credentials). */
    private final Http http = new Http("admin:admin");
    private final Http anonymous = new Http();
    private final List<String> probes = new CopyOnWriteArrayList<>();
    /** Answers of Apiary's readiness check while deploying other than DOWN "starting" or a running monitor's. */
    private final List<String> wrongProbes = new ArrayList<>();

    private QuietStartStop(ServerProcess server) {
        this.server = server;
    }

    /** Starts {@code server}, runs a job and stops it the way {@code way} names; always stops the server. */
    static void run(ServerProcess server, String way) throws Exception {
        Path war = Path.of(System.getProperty("smoke.war", "target/apiary-example.war"));
        Path work = Path.of(System.getProperty("smoke.work", "target/smoke"))
                .resolve(server.name() + "-" + way.replaceAll("\\W+", "-"));
        try (server; StorageOutageSmoke database = StorageOutageSmoke.start(work)) {
            server.start(database.war(war), work, SmokeScenario.settings(server));
            QuietStartStop run = new QuietStartStop(server);
            try {
                run.startsUnderFrequentProbes();
                run.runsAJob();
                run.stopsQuietly(way);
            } catch (AssertionError | Exception e) {
                throw new AssertionError(server.name() + " start and " + way + " stop: " + e.getMessage()
                        + "\n--- last lines of " + server.log() + " ---\n" + server.logTail(80), e);
            }
        }
    }

    private void startsUnderFrequentProbes() throws Exception {
        long start = System.nanoTime();
        Instant deadline = Instant.now().plus(SmokeScenario.BOOT_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            assertThat(server.isAlive()).as(server.name() + " exited before it was ready").isTrue();
            var failure = server.deploymentFailure();
            assertThat(failure).as("deployment failure").isEmpty();
            try {
                Http.Answer ready = anonymous.get(server.health().resolve("ready"));
                probes.add(ready.status() + " " + ready.body());
                if (ready.status() == 200 && ready.body().contains("\"UP\"")
                        && ready.body().contains("apiary-workers")) {
                    break;
                }
            } catch (IOException e) {
                probes.add(e.toString());
            }
            Thread.sleep(PROBE_INTERVAL.toMillis());
        }
        assertThat(probes.get(probes.size() - 1)).as("readiness within " + SmokeScenario.BOOT_TIMEOUT)
                .startsWith("200 ");
        // the server as a whole may be DOWN (still deploying) while Apiary's workers already run: Apiary's check
        // says UP only with the monitor running, and DOWN "starting" before
        List<String> apiary = new ArrayList<>();
        for (String probe : probes.subList(0, probes.size() - 1)) {
            if (!probe.contains("apiary-workers")) {
                continue; // no answer yet, or the application's checks not registered yet
            }
            JsonObject check = apiaryCheck(probe);
            String monitor = check.getJsonObject("data").getString("monitor", "?");
            String said = check.getString("status") + " " + monitor;
            if (!List.of("DOWN starting", "DOWN running", "UP running").contains(said)) {
                wrongProbes.add(probe);
            }
            apiary.add(said);
        }
        System.out.printf("%s ready after %.1f s: %d probes, apiary-workers said %s%n", server.name(),
                (System.nanoTime() - start) / 1e9, probes.size(), apiary.stream()
                        .collect(java.util.stream.Collectors.groupingBy(a -> a, java.util.TreeMap::new,
                                java.util.stream.Collectors.counting())));
    }

    private static JsonObject apiaryCheck(String probe) {
        String body = probe.substring(probe.indexOf(' ') + 1);
        JsonObject health = new Http.Answer(0, body, "application/json").object();
        return health.getJsonArray("checks").stream().map(JsonValue::asJsonObject)
                .filter(c -> c.getString("name").equals("apiary-workers")).findFirst().orElseThrow();
    }

    private void runsAJob() throws Exception {
        // the example's own API needs no login; the first request may take long on a busy machine (a timed-out push
        // that did arrive only adds a second report)
        Http.Answer pushed = null;
        Instant pushDeadline = Instant.now().plus(SmokeScenario.JOBS_TIMEOUT);
        while (pushed == null) {
            try {
                pushed = anonymous.post(server.app().resolve("api/queues/report/jobs"),
                        "{\"name\":\"quiet\",\"seconds\":1}");
            } catch (java.net.http.HttpTimeoutException e) {
                if (Instant.now().isAfter(pushDeadline)) {
                    throw e;
                }
            }
        }
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(201);
        String id = pushed.object().getString("id");
        URI job = server.app().resolve("apiary/api/queues/report/jobs/" + id);
        Instant deadline = Instant.now().plus(SmokeScenario.JOBS_TIMEOUT);
        String status = "";
        while (!status.equals("DONE") && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            status = http.get(job).object().getString("status");
        }
        assertThat(status).as("the report job").isEqualTo("DONE");
    }

    private void stopsQuietly(String way) throws Exception {
        Duration stopped = server.stop(way, SmokeScenario.GRACE_PERIOD.plusSeconds(40));
        System.out.printf("%s %s: exited after %s%n", server.name(), way, stopped);
        assertThat(stopped).as("exit after " + way).isNotNull();
        List<String> problems = new ArrayList<>(problems(server.logLines()));
        for (Path more : server.moreLogs()) {
            List<String> lines = java.nio.file.Files.readAllLines(more, java.nio.charset.StandardCharsets.ISO_8859_1);
            problems.addAll(problems(lines).stream().map(line -> more.getFileName() + ":" + line).toList());
        }
        System.out.printf("%s start and %s stop: %d error or stack trace lines, %d wrong probe answers%n",
                server.name(), way, problems.size(), wrongProbes.size());
        assertThat(wrongProbes).as("apiary-workers while deploying: DOWN starting, or the monitor running")
                .isEmpty();
        assertThat(problems).as(server.name() + " log of a start and a " + way + " stop: no ERROR/SEVERE, no"
                + " stack trace").isEmpty();
    }

    /** The lines of {@code log} that report an error or belong to a stack trace, each with its line number. */
    static List<String> problems(List<String> log) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            String line = log.get(i);
            if (ERROR.matcher(line).find() || STACK.matcher(line).find()) {
                found.add((i + 1) + ": " + line);
            }
        }
        return found;
    }
}
