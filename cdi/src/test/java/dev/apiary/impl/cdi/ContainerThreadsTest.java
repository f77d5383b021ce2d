package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Timeout;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.MessageQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application's monitor in a Weld container takes every thread from the container's executors (here the
 * stand-ins a container without JNDI gets), a message queue's timers included, and closing the container (an
 * undeploy) leaves no apiary-* thread alive.
 */
class ContainerThreadsTest {

    @JobWorker(name = "mail")
    @ApplicationScoped
    public static class MailWorker implements JobHandler<Email> {
        static final AtomicInteger HANDLED = new AtomicInteger();

        @Override
        @Timeout("PT5S")
        public Outcome handle(Job<Email> job) {
            HANDLED.incrementAndGet();
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Queues {
        static volatile MessageQueue<Email> queue;

        @Produces
        @ApplicationScoped
        MessageQueue<Email> mail() {
            return queue;
        }
    }

    @AfterEach
    void clear() {
        TestConfig.clear();
    }

    @Test
    void closingTheContainerLeavesNoApiaryThreadAlive() {
        Set<Thread> before = apiaryThreads();
        MailWorker.HANDLED.set(0);
        Queues.queue = InMemory.messageQueue("mail");
        TestConfig.use(Map.of("apiary.shutdown.grace-period", "PT5S"));
        WeldContainer container = new Weld().disableDiscovery().addBeanClasses(MailWorker.class, Queues.class)
                .addExtension(new ApiaryExtension()).initialize();
        Queues.queue.send(new Email("now@example.com"));
        // due later: the queue needs a timer to deliver it
        Queues.queue.send(new Email("later@example.com"), JobOptions.defaults().withDelay(Duration.ofMillis(300)));
        await().atMost(Duration.ofSeconds(10)).until(() -> MailWorker.HANDLED.get() == 2);
        assertThat(apiaryThreads()).isNotEmpty();

        container.close();

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(apiaryThreads().stream()
                .filter(t -> !before.contains(t)).map(Thread::getName).collect(Collectors.toSet())).isEmpty());
    }

    private static Set<Thread> apiaryThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("apiary-")).collect(Collectors.toSet());
    }
}
