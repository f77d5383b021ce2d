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
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Readiness {@value #NAME}: UP when the monitor has started, every instance of every enabled worker is running
 * (idle or engaged) and claims (its heartbeats get through), and every storage answers. Its data has
 * {@code monitor} ({@code starting} until the application has started the workers, {@code running},
 * {@code failed}, {@code stopped}), {@code executor} (which executors jobs run on: Jakarta Concurrency, MicroProfile
 * Context Propagation or Apiary's own threads), one entry per worker instance (state, running, done and failed counts), one
 * per instance that claims nothing for want of a heartbeat ({@code heartbeat.<instance>}: how long ago the last
 * one got through) and, while the monitor runs, one per storage ({@code storage.<queue>}: available, available and
 * paused, or unreachable). A paused queue keeps the check UP.
 */
@Readiness
@ApplicationScoped
public class WorkerReadinessCheck implements HealthCheck {

    /** The check's name. */
    public static final String NAME = "apiary-workers";

    @Inject
    BeanManager beanManager;

    @Override
    public HealthCheckResponse call() {
        var created = ContainerMonitor.ifCreated(beanManager);
        if (created.isEmpty()) {
            return HealthCheckResponse.named(NAME).withData("monitor", ContainerMonitor.STARTING).down().build();
        }
        ContainerMonitor monitor = created.get();
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).withData("monitor", monitor.status())
                .withData("executor", monitor.executor());
        boolean up = monitor.isRunning();
        for (WorkerSnapshot s : monitor.snapshot()) {
            up &= s.state() == WorkerState.IDLE || s.state() == WorkerState.ENGAGED;
            response.withData(s.instanceId(), s.state() + " running=" + s.running() + " done=" + s.done()
                    + " failed=" + s.failed() + " restarts=" + s.restarts());
        }
        for (Map.Entry<String, Duration> overdue : monitor.heartbeatsOverdue().entrySet()) {
            up = false;
            response.withData("heartbeat." + overdue.getKey(), "last got through " + overdue.getValue().toMillis()
                    + " ms ago: claims nothing until one does");
        }
        if (!monitor.isRunning()) {
            // the storages are the application's to create, at its start: a probe on a server thread would create
            // them without the application's java:comp (WildFly's management port, while deploying)
            return response.down().build();
        }
        // a paused queue is an operator's choice, not a fault: it stays UP and says so
        Set<String> paused = monitor.pausedQueues();
        for (Map.Entry<String, Boolean> storage : monitor.storageAvailability().entrySet()) {
            up &= storage.getValue();
            response.withData("storage." + storage.getKey(), !storage.getValue() ? "unreachable"
                    : paused.contains(storage.getKey()) ? "available, paused" : "available");
        }
        return response.status(up).build();
    }
}
