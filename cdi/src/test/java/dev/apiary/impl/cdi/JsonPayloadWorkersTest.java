package dev.apiary.impl.cdi;

import dev.apiary.CodecException;
import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.RawJson;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code @JobWorker} beans that take their job as a {@code JsonObject} or as raw JSON, fed JSON from elsewhere. */
@EnableWeld
class JsonPayloadWorkersTest {

    @JobWorker(queue = "events")
    public static class EventWorker implements JobHandler<JsonObject> {
        static final List<JsonObject> SEEN = new CopyOnWriteArrayList<>();

        @Override
        public Outcome handle(Job<JsonObject> job) {
            SEEN.add(job.payload());
            return Outcome.done();
        }
    }

    @JobWorker(queue = "webhooks")
    public static class WebhookWorker implements JobHandler<RawJson> {
        static final List<String> SEEN = new CopyOnWriteArrayList<>();

        @Override
        public Outcome handle(Job<RawJson> job) {
            SEEN.add(job.payload().json());
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        @Produces
        @ApplicationScoped
        @Queue("events")
        JobStorage<JsonObject> events() {
            return InMemory.storage("events", JsonObject.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("webhooks")
        JobStorage<RawJson> webhooks() {
            return InMemory.storage("webhooks", RawJson.class);
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(EventWorker.class, WebhookWorker.class, Storages.class, EmailStorage.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    @Queue("events")
    JobQueue<JsonObject> events;

    @Inject
    @Queue("webhooks")
    JobQueue<RawJson> webhooks;

    @Inject
    JobQueue<Email> emails;

    @Inject
    @Queue("events")
    JobStorage<JsonObject> eventStorage;

    @Inject
    JobStorage<Email> emailStorage;

    @BeforeAll
    static void fastPolling() {
        TestConfig.use(Map.of());
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void aJsonObjectWorkerBeanRunsJsonPushedThroughItsInjectedQueue() {
        String id = events.pushJson("{\"type\":\"signup\",\"user\":{\"id\":42}}");

        await().atMost(Duration.ofSeconds(10)).until(() -> eventStorage.find(id).orElseThrow().status()
                == JobStatus.DONE);
        assertThat(EventWorker.SEEN).anySatisfy(event -> {
            assertThat(event.getString("type")).isEqualTo("signup");
            assertThat(event.getJsonObject("user").getInt("id")).isEqualTo(42);
        });
    }

    @Test
    void aRawJsonWorkerBeanGetsTheTextAsItWasPushed() {
        String json = "{ \"event\" : \"paid\", \"amount\" : 12.50 }";

        webhooks.pushJson(json);

        await().atMost(Duration.ofSeconds(10)).until(() -> WebhookWorker.SEEN.contains(json));
    }

    @Test
    void anInjectedQueueRefusesJsonThatIsNotItsPayloadTypeAndStoresNothing() {
        assertThatThrownBy(() -> emails.pushJson("[\"not\",\"an email\"]")).isInstanceOf(CodecException.class)
                .hasMessageContaining("'email'").hasMessageContaining(Email.class.getName());
        assertThatThrownBy(() -> events.pushJson("{\"cut\":")).isInstanceOf(CodecException.class)
                .hasMessageContaining("'events'");

        assertThat(emailStorage.counts().values()).allMatch(n -> n == 0);
        String id = emails.pushJson("{\"to\":\"x@example.com\"}");
        assertThat(emailStorage.find(id).orElseThrow().payload()).isEqualTo(new Email("x@example.com"));
    }
}
