package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.util.TypeLiteral;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Weld runs portable and build-compatible extensions alike (a server finds both through {@code META-INF/services}):
 * with both of Apiary's there, only the portable one may add its beans, or every runtime bean, {@code JobQueue<T>}
 * and the runtime directory would be defined twice and ambiguous (without {@code @SkipIfPortableExtensionPresent} on
 * the build-compatible one, this container fails with ambiguous dependencies).
 */
class ExtensionChoiceTest {

    @Test
    void withBothExtensionsOnTheClassPathWeldRunsOnlyThePortableOne() {
        try (WeldContainer container = new Weld().disableDiscovery()
                .addBeanClasses(EmailStorage.class, GreetingWorker.class)
                .addExtension(new ApiaryExtension()).addBuildCompatibleExtensions(ApiaryBuildExtension.class)
                .initialize()) {
            BeanManager bm = container.getBeanManager();

            assertThat(bm.getBeans(new TypeLiteral<JobQueue<Email>>() { }.getType())).hasSize(1);
            assertThat(bm.getBeans(RuntimeDirectory.class)).hasSize(1);
            assertThat(bm.getExtension(ApiaryExtension.class).runtime()).isNotNull();

            container.select(new TypeLiteral<JobQueue<Email>>() { }).get().push(new Email("ada@example.com"));
            await().atMost(Duration.ofSeconds(10)).until(() -> GreetingWorker.SEEN.contains("ada@example.com"));
        }
    }

    /** A worker of the {@code email} queue. */
    @JobWorker(name = "email")
    public static class GreetingWorker implements JobHandler<Email> {

        static final List<String> SEEN = new CopyOnWriteArrayList<>();

        @Override
        public Outcome handle(Job<Email> job) {
            SEEN.add(job.payload().to());
            return Outcome.done();
        }
    }
}
