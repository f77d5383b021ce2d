package dev.apiary.jms;

import dev.apiary.impl.config.MonitorSettings;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobQueue;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.impl.cdi.TestConfig;
import io.smallrye.config.inject.ConfigExtension;
import io.smallrye.health.AsyncHealthCheckFactory;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import jakarta.jms.ConnectionFactory;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A CDI worker whose jobs come from the JMS queue its configuration names, with the connection factory from JNDI, a
 * {@code JobQueue} that sends to it. A broker restart (readiness DOWN, then UP once consumers reconnected) is
 * {@code reliability-tests}' {@code JmsBrokerRestartTest}, with the broker and the consumer in JVMs of their own.
 */
class JmsCdiTest {

    static final Map<String, AtomicInteger> HANDLED = new ConcurrentHashMap<>();

    @JobWorker(name = "payments", concurrency = 3)
    @ApplicationScoped
    public static class PaymentWorker implements JobHandler<Order> {
        @Override
        public Outcome handle(Job<Order> job) {
            HANDLED.computeIfAbsent(job.payload().id(), k -> new AtomicInteger()).incrementAndGet();
            return Outcome.done();
        }
    }

    private EmbeddedBroker broker;
    private WeldContainer container;

    /** What the server's default managed executors stand for here; bound as a server binds them. */
    private final ExecutorService jobs = Executors.newCachedThreadPool();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

    private void startContainer(ConnectionFactory factory) {
        startContainer(factory, Map.of());
    }

    private void startContainer(ConnectionFactory factory, Map<String, String> more) {
        if (factory != null) {
            TestNaming.bind(JmsQueueFactory.DEFAULT_CONNECTION_FACTORY, factory);
        }
        TestNaming.bind(MonitorSettings.DEFAULT_EXECUTOR, jobs);
        TestNaming.bind(MonitorSettings.DEFAULT_SCHEDULER, scheduler);
        Map<String, String> config = new java.util.HashMap<>(more);
        config.put("apiary.workers.payments.jms.destination", "payments");
        config.put("apiary.workers.payments.jms.receive-timeout", "1s");
        TestConfig.use(config);
        container = new Weld().disableDiscovery()
                .addBeanClasses(PaymentWorker.class, SmallRyeHealthReporter.class, AsyncHealthCheckFactory.class)
                .addExtension(new ApiaryExtension())
                .addExtension(new ConfigExtension())
                .initialize();
    }

    @AfterEach
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
        if (broker != null) {
            broker.close();
        }
        TestConfig.clear();
        TestNaming.clear();
        HANDLED.clear();
        jobs.shutdownNow();
        scheduler.shutdownNow();
    }

    private JobQueue<Order> payments() {
        return container.select(new TypeLiteral<JobQueue<Order>>() { }, Queue.Literal.of("payments")).get();
    }

    @Test
    void aConfiguredWorkerHandlesEveryMessageSentThroughItsJobQueueOnce() throws Exception {
        broker = EmbeddedBroker.start();
        startContainer(broker.inVm());

        JobQueue<Order> payments = payments();
        for (int i = 0; i < 50; i++) {
            payments.push(new Order("p" + i, i));
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> HANDLED.size() == 50 && broker.count("payments") == 0);
        assertThat(HANDLED.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(payments.name()).isEqualTo("payments");
        // a broker keeps nothing of a done message: results cannot be read or awaited, and the queue says so
        assertThatThrownBy(() -> payments.result("p0", Order.class)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("Queue 'payments' is a message queue, which keeps no job results");
        assertThatThrownBy(() -> payments.await("p0", Order.class, Duration.ofSeconds(1)))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cannot be awaited");
    }

    @Test
    void aDisabledWorkersJobQueueIsMadeAtItsFirstPushAndItsQueueStaysOutOfReadiness() throws Exception {
        broker = EmbeddedBroker.start();
        // where the worker is off the server may have no broker: no connection factory is bound at first
        startContainer(null, Map.of("apiary.workers.payments.enabled", "false"));
        SmallRyeHealthReporter health = container.select(SmallRyeHealthReporter.class).get();

        JobQueue<Order> payments = payments();
        assertThat(health.getReadiness().isDown()).as(health.getReadiness().getPayload().toString()).isFalse();

        // where the broker exists, the first push makes the queue and sends; no consumer takes the message
        TestNaming.bind(JmsQueueFactory.DEFAULT_CONNECTION_FACTORY, broker.inVm());
        payments.push(new Order("p1", 1));
        assertThat(payments.name()).isEqualTo("payments");
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.count("payments") == 1);
        assertThat(health.getReadiness().getPayload().toString()).doesNotContain("storage.payments");
        assertThat(HANDLED).isEmpty();
    }
}
