package dev.apiary.impl.health;

import dev.apiary.impl.cdi.ContainerMonitor;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

import java.time.Duration;
import java.time.Instant;

/**
 * Liveness {@value #NAME}: DOWN when a worker instance's poller has not ticked for longer than
 * {@code apiary.health.max-tick-age} (a poll stuck in its storage, a starved executor): the cases a restart of the
 * application may cure. A stopping or stopped instance counts as alive, and so does a {@code FAILING} one: its
 * source keeps failing (a database that is away), which a restart would not cure, and it resumes by itself. Its
 * data has one entry per instance: its state and the age of its last tick.
 */
@Liveness
@ApplicationScoped
public class WorkerLivenessCheck implements HealthCheck {

    /** The check's name. */
    public static final String NAME = "apiary-pollers";

    @Inject
    BeanManager beanManager;

    @Override
    public HealthCheckResponse call() {
        var created = ContainerMonitor.ifCreated(beanManager);
        if (created.isEmpty()) {
            // still deploying: nothing is stuck yet
            return HealthCheckResponse.named(NAME).withData("monitor", ContainerMonitor.STARTING).up().build();
        }
        ContainerMonitor monitor = created.get();
        Duration limit = monitor.settings().maxTickAge();
        Instant now = Instant.now();
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        boolean up = true;
        for (WorkerSnapshot s : monitor.snapshot()) {
            Duration age = s.lastTick() == null ? null : Duration.between(s.lastTick(), now);
            boolean polling = s.state() == WorkerState.IDLE || s.state() == WorkerState.ENGAGED
                    || s.state() == WorkerState.RESTARTING;
            boolean stuck = polling && age != null && age.compareTo(limit) > 0;
            up &= !stuck;
            String text = s.state() + (age == null ? " no tick yet" : " last tick " + age.toMillis() + " ms ago")
                    + (stuck ? " (more than " + limit + ")" : "")
                    + (s.state() == WorkerState.FAILING && s.lastError() != null ? ": " + s.lastError() : "");
            response.withData(s.instanceId(), text);
        }
        return response.status(up).build();
    }
}
