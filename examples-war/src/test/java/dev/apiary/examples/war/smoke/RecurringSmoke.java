package dev.apiary.examples.war.smoke;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example's recurring job on a real server: the {@code nightly-report} schedule, which the WAR's configuration
 * makes fire every 10 s, is listed with its next fire, fires on its own, can be paused, resumed and triggered, through
 * the dashboard's API ({@code http} logs in as an admin).
 */
final class RecurringSmoke {

    private static final Duration FIRE_TIMEOUT = Duration.ofSeconds(60);

    private final Http http;
    private final URI api;

    private RecurringSmoke(Http http, URI api) {
        this.http = http;
        this.api = api;
    }

    static void assertOn(ServerProcess server, Http http) throws Exception {
        new RecurringSmoke(http, server.app().resolve("apiary/api/")).run();
    }

    private void run() throws Exception {
        // the schedule is listed with the cron from microprofile-config.properties and a next fire
        JsonObject schedule = get("schedules/nightly-report");
        assertThat(schedule.getString("cron")).isEqualTo("*/10 * * * * *");
        assertThat(schedule.getString("zone")).isEqualTo("Europe/Paris");
        assertThat(schedule.getBoolean("paused")).isFalse();
        assertThat(schedule.getString("nextFire")).isNotBlank();

        // it fires on its own: a report job tagged with the schedule and a fire time reaches DONE
        Instant deadline = Instant.now().plus(FIRE_TIMEOUT);
        JsonObject fired = null;
        while (fired == null && Instant.now().isBefore(deadline)) {
            fired = firedReport();
            if (fired == null) {
                Thread.sleep(500);
            }
        }
        assertThat(fired).as("a DONE report job fired by nightly-report within " + FIRE_TIMEOUT).isNotNull();
        assertThat(fired.getJsonObject("metadata").getString("apiary.fire")).endsWith("0Z");
        assertThat(fired.getJsonObject("payload").getString("name")).isEqualTo("nightly");
        assertThat(get("schedules/nightly-report").getString("lastFire")).isNotBlank();

        // paused it has no next fire; resumed it has one again
        Http.Answer paused = http.post(api.resolve("schedules/nightly-report/pause"), "");
        assertThat(paused.status()).as(paused.body()).isEqualTo(200);
        assertThat(paused.object().getBoolean("paused")).isTrue();
        assertThat(paused.object().get("nextFire")).isIn(null, JsonValue.NULL);
        Http.Answer resumed = http.post(api.resolve("schedules/nightly-report/resume"), "");
        assertThat(resumed.status()).as(resumed.body()).isEqualTo(200);
        assertThat(resumed.object().getBoolean("paused")).isFalse();

        // triggered by hand, it enqueues a job at once
        Http.Answer triggered = http.post(api.resolve("schedules/nightly-report/trigger"), "");
        assertThat(triggered.status()).as(triggered.body()).isEqualTo(200);
        assertThat(triggered.object().getString("queue")).isEqualTo("report");
        Http.Answer unknown = http.post(api.resolve("schedules/no-such-schedule/trigger"), "");
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
    }

    private JsonObject firedReport() throws Exception {
        JsonObject page = get("queues/report/jobs?status=DONE&limit=100");
        List<JsonObject> items = page.getJsonArray("items").getValuesAs(JsonObject.class);
        JsonObject listed = items.stream()
                .filter(job -> "nightly-report".equals(
                        job.getJsonObject("metadata").getString("apiary.schedule", null)))
                .findFirst().orElse(null);
        // a list carries no payloads: the job's detail does
        return listed == null ? null : get("queues/report/jobs/" + listed.getString("id"));
    }

    private JsonObject get(String path) throws Exception {
        Http.Answer answer = http.get(api.resolve(path));
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
        return answer.object();
    }
}
