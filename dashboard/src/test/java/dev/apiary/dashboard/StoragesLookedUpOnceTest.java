package dev.apiary.dashboard;

import dev.apiary.JobQueue;
import dev.apiary.cdi.Queue;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard reads the storages the runtime holds: a {@code @Dependent} storage producer is called once for the
 * application, not once per request (each refresh of the page is several).
 */
@EnableWeld
class StoragesLookedUpOnceTest {

    public record Email(String to) {
    }

    static final AtomicInteger MADE = new AtomicInteger();
    static final AtomicInteger DISPOSED = new AtomicInteger();

    public static class Producers {
        @Produces
        @Dependent
        @Queue("mails")
        JobStorage<Email> mails() {
            MADE.incrementAndGet();
            return InMemory.storage("mails", Email.class);
        }

        void dispose(@Disposes @Queue("mails") JobStorage<Email> storage) {
            DISPOSED.incrementAndGet();
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
                    .addBeanClasses(Producers.class, Queues.class, WorkersApi.class)
                    .addExtension(new ApiaryExtension()))
            .activate(RequestScoped.class).build();

    @Inject
    Queues queues;

    @Inject
    WorkersApi workers;

    @Inject
    @Queue("mails")
    JobQueue<Email> mails;

    @BeforeAll
    static void reset() {
        MADE.set(0);
        DISPOSED.set(0);
    }

    @Test
    void aDependentStorageProducerIsCalledOnceAcrossManyRequests() {
        mails.push(new Email("a@example.com"));

        for (int refresh = 0; refresh < 100; refresh++) {
            assertThat(queues.all()).containsOnlyKeys("mails");
            assertThat(queues.require("mails").counts().values().stream().mapToLong(Long::longValue).sum())
                    .as("the dashboard sees the job pushed through the application's JobQueue: the same storage")
                    .isEqualTo(1);
            workers.workers(false);
        }

        assertThat(MADE).as("storages made").hasValue(1);
        assertThat(DISPOSED).as("storages made and dropped").hasValue(0);
    }
}
