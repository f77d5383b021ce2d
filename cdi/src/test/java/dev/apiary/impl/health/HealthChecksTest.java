package dev.apiary.impl.health;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.impl.cdi.ContainerMonitor;
import dev.apiary.impl.cdi.Email;
import dev.apiary.impl.storage.SwitchableStorage;
import dev.apiary.impl.cdi.TestConfig;
import dev.apiary.spi.JobStorage;
import io.smallrye.config.inject.ConfigExtension;
import io.smallrye.health.AsyncHealthCheckFactory;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.json.JsonObject;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The readiness and liveness checks as SmallRye Health reports them, going DOWN and UP again with the workers and
 * storages behind them.
 */
class HealthChecksTest {

    @JobWorker(name = "health")
    @ApplicationScoped
    public static class HealthWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        static final SwitchableStorage<Email> STORAGE = new SwitchableStorage<>("health", Email.class);

        @Produces
        @ApplicationScoped
        JobStorage<Email> storage() {
            return STORAGE;
        }
    }

    private WeldContainer container;

    private SmallRyeHealthReporter start(Map<String, String> config) {
        Map<String, String> all = new HashMap<>(Map.of(
                "apiary.workers.health.poll-interval", "20ms",
                "apiary.workers.health.max-poll-interval", "100ms",
                "apiary.monitor.restart-backoff", "20ms",
                "apiary.monitor.max-restart-backoff", "50ms"));
        all.putAll(config);
        TestConfig.use(all);
        container = new Weld().disableDiscovery()
                .addBeanClasses(HealthWorker.class, Storages.class, SmallRyeHealthReporter.class,
                        AsyncHealthCheckFactory.class)
                .addExtension(new ApiaryExtension())
                .addExtension(new ConfigExtension())
                .initialize();
        return container.select(SmallRyeHealthReporter.class).get();
    }

    @AfterEach
    void stop() {
        Storages.STORAGE.reachable(true);
        Storages.STORAGE.release();
        if (container != null) {
            container.close();
        }
        TestConfig.clear();
    }

    private static JsonObject check(SmallRyeHealth health, String name) {
        return health.getPayload().getJsonArray("checks").stream().map(JsonObject.class::cast)
                .filter(c -> c.getString("name").equals(name)).findFirst().orElseThrow();
    }

    @Test
    void readinessIsUpWithEachInstanceAndStorageInItsData() {
        SmallRyeHealthReporter health = start(Map.of("apiary.workers.health.instances", "2"));

        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
        JsonObject check = check(health.getReadiness(), WorkerReadinessCheck.NAME);
        assertThat(check.getString("status")).isEqualTo("UP");
        JsonObject data = check.getJsonObject("data");
        assertThat(data.getString("monitor")).isEqualTo("running");
        assertThat(data.getString("storage.health")).isEqualTo("available");
        assertThat(data.keySet().stream().filter(k -> k.startsWith("health-"))).hasSize(2);
        assertThat(data.keySet().stream().filter(k -> k.startsWith("health-")).map(data::getString))
                .allMatch(v -> v.matches("(IDLE|ENGAGED) running=\\d+ done=\\d+ failed=\\d+ restarts=\\d+"));
        assertThat(health.getLiveness().isDown()).isFalse();
    }

    @Test
    void anUnreachableStorageTakesReadinessDownUntilItAnswersAgain() {
        SmallRyeHealthReporter health = start(Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());

        Storages.STORAGE.reachable(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> health.getReadiness().isDown());
        assertThat(check(health.getReadiness(), WorkerReadinessCheck.NAME).getJsonObject("data")
                .getString("storage.health")).isEqualTo("unreachable");

        Storages.STORAGE.reachable(true);

        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
    }

    @Test
    void heartbeatsThatDoNotGetThroughTakeReadinessDownAndHoldClaimsUntilOneDoes() {
        // given a worker with a heartbeat every 100 ms and a lease of 1 s: claims stop at 550 ms without one
        SmallRyeHealthReporter health = start(Map.of("apiary.workers.health.heartbeat-interval", "100ms",
                "apiary.workers.health.lease", "1s"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());

        // when its heartbeats hang (a database that is slow for the worker's row) while claims would get through
        Storages.STORAGE.stallHeartbeats();

        // then readiness goes DOWN and says why, and a new job waits
        await().atMost(Duration.ofSeconds(10)).until(() -> health.getReadiness().isDown());
        JsonObject data = check(health.getReadiness(), WorkerReadinessCheck.NAME).getJsonObject("data");
        assertThat(data.keySet()).anySatisfy(key -> assertThat(key).startsWith("heartbeat.health-"));
        assertThat(data.values().toString()).contains("claims nothing until one does");
        String id = Storages.STORAGE.push(new Email("late@example.com"));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> Storages.STORAGE.find(id).orElseThrow().status() == JobStatus.PENDING);

        // and once heartbeats get through again, readiness is UP and the job runs
        Storages.STORAGE.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Storages.STORAGE.find(id).orElseThrow().status() == JobStatus.DONE);
    }

    @Test
    void aStuckPollerTakesLivenessDownAfterTheTickLimit() {
        SmallRyeHealthReporter health = start(Map.of("apiary.health.max-tick-age", "500ms"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
        assertThat(health.getLiveness().isDown()).isFalse();

        Storages.STORAGE.stall();

        await().atMost(Duration.ofSeconds(10)).until(() -> health.getLiveness().isDown());
        JsonObject data = check(health.getLiveness(), WorkerLivenessCheck.NAME).getJsonObject("data");
        assertThat(data.values().toString()).contains("(more than PT0.5S)");

        Storages.STORAGE.release();

        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getLiveness().isDown());
    }

    @Test
    void aWorkerPastItsRestartBudgetIsFailingNotReadyButAliveAndComesBackByItself() {
        SmallRyeHealthReporter health = start(Map.of("apiary.monitor.max-restarts", "2",
                "apiary.monitor.restart-backoff", "100ms", "apiary.monitor.max-restart-backoff", "500ms"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());

        Storages.STORAGE.reachable(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> check(health.getReadiness(), WorkerReadinessCheck.NAME)
                .getJsonObject("data").values().toString().contains("FAILING"));
        assertThat(health.getReadiness().isDown()).isTrue();
        assertThat(health.getLiveness().isDown()).as("a restart would not bring the storage back").isFalse();
        JsonObject data = check(health.getLiveness(), WorkerLivenessCheck.NAME).getJsonObject("data");
        assertThat(data.values().toString()).contains("FAILING").contains("is unreachable");

        Storages.STORAGE.reachable(true);

        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
    }

    @Test
    void readinessIsDownOnceTheApplicationStops() {
        SmallRyeHealthReporter health = start(Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
        WorkerReadinessCheck readiness = container.select(WorkerReadinessCheck.class, Readiness.Literal.INSTANCE).get();

        container.select(ContainerMonitor.class).get().stop();

        assertThat(readiness.call().getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    }

    /** Probes the health reporter while the container is still starting, before Apiary's Startup observer. */
    @ApplicationScoped
    public static class EarlyProbe {
        static volatile JsonObject readiness;
        static volatile JsonObject liveness;
        static volatile boolean monitorExisted;

        void probe(@jakarta.enterprise.event.Observes @jakarta.enterprise.context.Initialized(ApplicationScoped.class)
                Object event, SmallRyeHealthReporter health, jakarta.enterprise.inject.spi.BeanManager beanManager) {
            readiness = check(health.getReadiness(), WorkerReadinessCheck.NAME);
            liveness = check(health.getLiveness(), WorkerLivenessCheck.NAME);
            monitorExisted = ContainerMonitor.ifCreated(beanManager).isPresent();
        }
    }

    @Test
    void aProbeDuringDeploymentSaysStartingWithoutCreatingTheMonitor() {
        TestConfig.use(Map.of("apiary.workers.health.poll-interval", "20ms"));
        container = new Weld().disableDiscovery()
                .addBeanClasses(HealthWorker.class, Storages.class, SmallRyeHealthReporter.class,
                        AsyncHealthCheckFactory.class, EarlyProbe.class)
                .addExtension(new ApiaryExtension())
                .addExtension(new ConfigExtension())
                .initialize();

        // probed before the application started the workers: DOWN "starting", alive, and the monitor (whose
        // creation looks up the executors) was left for the application to create
        assertThat(EarlyProbe.readiness.getString("status")).isEqualTo("DOWN");
        assertThat(EarlyProbe.readiness.getJsonObject("data").getString("monitor")).isEqualTo("starting");
        assertThat(EarlyProbe.liveness.getString("status")).isEqualTo("UP");
        assertThat(EarlyProbe.monitorExisted).isFalse();
        SmallRyeHealthReporter health = container.select(SmallRyeHealthReporter.class).get();
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());
    }
}
