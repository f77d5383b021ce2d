package dev.apiary.impl.health;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.impl.cdi.Email;
import dev.apiary.impl.cdi.TestConfig;
import dev.apiary.impl.monitor.DaemonThreads;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import io.smallrye.config.inject.ConfigExtension;
import io.smallrye.context.SmallRyeContextManagerProvider;
import io.smallrye.context.SmallRyeManagedExecutor;
import io.smallrye.health.AsyncHealthCheckFactory;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.json.JsonObject;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where there is no JNDI (so no Jakarta Concurrency), jobs run on the MicroProfile Context Propagation
 * {@code ManagedExecutor} bean when the runtime has one (Quarkus), else on Apiary's own threads (Weld SE, Helidon MP
 * without Context Propagation); readiness says which.
 */
class ExecutorChoiceTest {

    /** The threads jobs ran on. */
    static final List<String> THREADS = new CopyOnWriteArrayList<>();

    @JobWorker(name = "choice")
    @ApplicationScoped
    public static class ChoiceWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            THREADS.add(Thread.currentThread().getName());
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        static JobStorage<Email> storage;

        @Produces
        @ApplicationScoped
        JobStorage<Email> storage() {
            return storage;
        }
    }

    /** The runtime's managed executor, as Quarkus produces one: here on threads named {@code runtime-managed-N}. */
    @ApplicationScoped
    public static class RuntimeExecutor {
        @Produces
        @ApplicationScoped
        ManagedExecutor managedExecutor() {
            return ((SmallRyeManagedExecutor.Builder) SmallRyeContextManagerProvider.getManager()
                    .newManagedExecutorBuilder())
                    .withExecutorService(Executors.newCachedThreadPool(DaemonThreads.named("runtime-managed")))
                    .build();
        }

        void close(@Disposes ManagedExecutor executor) {
            executor.shutdownNow();
        }
    }

    private WeldContainer container;

    @AfterEach
    void stop() {
        if (container != null) {
            container.close();
        }
        TestConfig.clear();
        THREADS.clear();
    }

    private SmallRyeHealthReporter start(Class<?>... beans) {
        Storages.storage = InMemory.storage("choice", Email.class);
        TestConfig.use(Map.of("apiary.workers.choice.poll-interval", "20ms"));
        container = new Weld().disableDiscovery()
                .addBeanClasses(ChoiceWorker.class, Storages.class, SmallRyeHealthReporter.class,
                        AsyncHealthCheckFactory.class)
                .addBeanClasses(beans)
                .addExtension(new ApiaryExtension())
                .addExtension(new ConfigExtension())
                .initialize();
        return container.select(SmallRyeHealthReporter.class).get();
    }

    private static String executorInReadiness(SmallRyeHealthReporter health) {
        JsonObject check = health.getReadiness().getPayload().getJsonArray("checks").stream()
                .map(JsonObject.class::cast).filter(c -> c.getString("name").equals(WorkerReadinessCheck.NAME))
                .findFirst().orElseThrow();
        return check.getJsonObject("data").getString("executor");
    }

    @Test
    void jobsRunOnTheManagedExecutorBeanWhereThereIsNoJakartaConcurrency() {
        SmallRyeHealthReporter health = start(RuntimeExecutor.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());

        for (int i = 0; i < 3; i++) {
            Storages.storage.push(new Email(i + "@example.com"));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> THREADS.size() == 3);
        assertThat(THREADS).allMatch(name -> name.startsWith("runtime-managed-"));
        assertThat(executorInReadiness(health)).isEqualTo(
                "MicroProfile Context Propagation ManagedExecutor, timed on Apiary's own scheduler");
    }

    @Test
    void withoutAManagedExecutorBeanJobsRunOnApiarysOwnThreads() {
        SmallRyeHealthReporter health = start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !health.getReadiness().isDown());

        Storages.storage.push(new Email("own@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> THREADS.size() == 1);
        assertThat(THREADS.get(0)).startsWith("apiary-job-");
        assertThat(executorInReadiness(health)).isEqualTo("Apiary's own threads, timed on Apiary's own scheduler");
    }
}
