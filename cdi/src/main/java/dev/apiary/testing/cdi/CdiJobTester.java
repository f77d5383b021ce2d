package dev.apiary.testing.cdi;

import dev.apiary.JobStatus;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.impl.cdi.StorageBean;
import dev.apiary.spi.DefaultStorageFactory;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.enterprise.inject.spi.Extension;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Tests of {@code @JobWorker} beans in a real CDI container (weld-junit5), with their interceptors (retry, timeout,
 * limits), their {@code apiary.*} configuration and in-memory storages, run until every queue is drained:
 *
 * <pre>{@code
 * @EnableWeld
 * class EmailWorkerTest {
 *     @BeforeAll
 *     static void config() {
 *         CdiJobTester.config(Map.of("apiary.workers.email.concurrency", "2"));   // before the container starts
 *     }
 *
 *     @WeldSetup
 *     WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
 *             .addBeanClasses(EmailWorker.class, FakeMailer.class)
 *             .addExtension(CdiJobTester.extension())).build();
 *
 *     @Inject JobQueue<Email> emails;
 *     @Inject FakeMailer mailer;
 *
 *     @Test
 *     void sendsEveryEmail() {
 *         emails.push(new Email("a@example.com", "Hi"));
 *         CdiJobTester.drain(Duration.ofSeconds(10));          // every job done, failed or killed
 *         assertThat(mailer.sent()).hasSize(1);
 *     }
 * }
 * }</pre>
 *
 * A worker whose queue has no {@code JobStorage<T>} bean gets an in-memory storage (a producer of the test's own
 * still wins); {@link #storage} reads it back, e.g. to assert a job's final status.
 */
public final class CdiJobTester {

    private CdiJobTester() {
    }

    /** Apiary's CDI extension, giving in-memory storages to workers whose queue has no storage bean. */
    public static Extension extension() {
        return new ApiaryExtension(InMemoryStorages.class);
    }

    /**
     * Makes {@code values} the MicroProfile Config of this thread's class loader, on top of the default sources
     * (system properties, environment, {@code microprofile-config.properties}); call it before the container starts.
     * Needs a MicroProfile Config implementation on the test class path (e.g. {@code io.smallrye.config:smallrye-config}).
     */
    public static void config(Map<String, String> values) {
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            resolver.releaseConfig(resolver.getConfig(loader));
        } catch (IllegalStateException e) {
            // none registered yet
        }
        Config config = resolver.getBuilder().addDefaultSources().addDiscoveredConverters()
                .withSources(new MapSource(Map.copyOf(values))).forClassLoader(loader).build();
        resolver.registerConfig(config, loader);
    }

    /**
     * Waits until no storage of the running container has a pending or running job (retries whose backoff has not
     * passed count as pending), or fails after {@code timeout} naming the queues that still hold jobs.
     */
    public static void drain(Duration timeout) {
        BeanManager bm = CDI.current().getBeanManager();
        ApiaryExtension apiary = bm.getExtension(ApiaryExtension.class);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            StringBuilder busy = new StringBuilder();
            for (StorageBean bean : apiary.runtime().storages()) {
                JobStorage<?> storage = apiary.runtime().storage(bean);
                Map<JobStatus, Long> counts = storage.counts();
                long open = counts.getOrDefault(JobStatus.PENDING, 0L) + counts.getOrDefault(JobStatus.RUNNING, 0L);
                if (open > 0) {
                    busy.append(busy.length() == 0 ? "" : ", ").append(storage.queue()).append(' ').append(counts);
                }
            }
            if (busy.length() == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Queues not drained after " + timeout + ": " + busy);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while draining", e);
            }
        }
    }

    /** The storage of {@code queue} in the running container. */
    @SuppressWarnings("unchecked")
    public static <T> JobStorage<T> storage(String queue, Class<T> payloadType) {
        ApiaryExtension apiary = CDI.current().getBeanManager().getExtension(ApiaryExtension.class);
        for (StorageBean bean : apiary.runtime().storages()) {
            JobStorage<?> storage = apiary.runtime().storage(bean);
            if (storage.queue().equals(queue) && bean.payloadType() == payloadType) {
                return (JobStorage<T>) storage;
            }
        }
        throw new IllegalArgumentException("No storage of queue '" + queue + "' with payload " + payloadType.getName());
    }

    /** The in-memory storages {@link #extension()} gives; added as an application-scoped bean. */
    public static class InMemoryStorages implements DefaultStorageFactory {
        @Override
        public <T> JobStorage<T> create(String queue, Class<T> payloadType,
                                        Function<String, Optional<String>> config) {
            return InMemory.storage(queue, payloadType);
        }
    }

    private record MapSource(Map<String, String> values) implements ConfigSource {
        @Override
        public Set<String> getPropertyNames() {
            return values.keySet();
        }

        @Override
        public String getValue(String name) {
            return values.get(name);
        }

        @Override
        public String getName() {
            return "CdiJobTester.config";
        }

        @Override
        public int getOrdinal() {
            return 500;
        }
    }
}
