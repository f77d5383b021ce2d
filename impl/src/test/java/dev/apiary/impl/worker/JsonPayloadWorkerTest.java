package dev.apiary.impl.worker;

import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.RawJson;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.impl.storage.InMemoryStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Plain-Java workers whose handlers take a job as a {@code JsonObject} or as the raw JSON that was pushed. */
class JsonPayloadWorkerTest {

    private final Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));

    @AfterEach
    void stop() {
        monitor.stop();
    }

    @Test
    void aJsonObjectHandlerRunsJsonPushedAsItIs() {
        InMemoryStorage<JsonObject> events = new InMemoryStorage<>("events", JsonObject.class, new JsonbCodec(),
                Clock.systemUTC());
        List<JsonObject> seen = new CopyOnWriteArrayList<>();
        monitor.register(WorkerBuilder.named("events").source(events).handler(JobHandler.of(seen::add)));
        monitor.start();

        String id = events.pushJson("{\"type\":\"signup\",\"user\":{\"id\":42}}", JobOptions.defaults());

        await().atMost(Duration.ofSeconds(10)).until(() -> events.find(id).orElseThrow().status() == JobStatus.DONE);
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).getString("type")).isEqualTo("signup");
        assertThat(seen.get(0).getJsonObject("user").getInt("id")).isEqualTo(42);
    }

    @Test
    void aRawJsonHandlerGetsTheTextAsItWasPushed() {
        InMemoryStorage<RawJson> hooks = new InMemoryStorage<>("hooks", RawJson.class, new JsonbCodec(),
                Clock.systemUTC());
        List<String> seen = new CopyOnWriteArrayList<>();
        monitor.register(WorkerBuilder.named("hooks").source(hooks)
                .handler(JobHandler.<RawJson>of(raw -> seen.add(raw.json()))));
        monitor.start();
        String json = "{ \"event\" : \"paid\", \"amount\" : 12.50 }";

        hooks.pushJson(json, JobOptions.defaults());

        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(json));
    }
}
