package dev.apiary.impl.cdi;

import dev.apiary.JobHandler;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.UnknownKeys;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.impl.monitor.DefaultMonitor;
import dev.apiary.impl.worker.DefaultWorkerBuilder;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Shutdown;
import jakarta.enterprise.event.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The application's monitor: when the application starts (the CDI {@link Startup} event, after the application's
 * own start-up observers) it builds a worker from every enabled {@code @JobWorker} bean, registers its instances and
 * starts them on the container's executors; when the application stops ({@link Shutdown}, before any context is
 * destroyed, so worker beans can finish their jobs) it stops them within the grace period. The {@link Monitor} is
 * injectable, for dashboards and REST resources.
 */
@ApplicationScoped
public class ContainerMonitor {

    /** Storages reported unavailable, so that an outage is logged once and its end once. */
    private final Map<String, Boolean> unavailable = new java.util.concurrent.ConcurrentHashMap<>();

    private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());
    private static final Duration START_RETRY_DELAY = Duration.ofMillis(500);
    private static final int START_RETRIES = 120;

    @Inject
    ApiaryExtension extension;

    @Inject
    ContainerExecutors executors;

    @Inject
    BeanManager beanManager;

    private DefaultMonitor monitor;
    private volatile boolean started;
    private volatile boolean stopped;

    @PostConstruct
    void create() {
        MonitorSettings settings = extension.monitorSettings();
        monitor = new DefaultMonitor(executors.jobs(), executors.scheduler());
        monitor.wakeUpContext(executors::withApplicationContext);
        monitor.gracePeriod(settings.gracePeriod());
        monitor.restartBudget(settings.maxRestarts(), settings.restartBackoff(), settings.maxRestartBackoff());
    }

    void onStartup(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER + 500) Startup startup) {
        try {
            start();
        } catch (RuntimeException e) {
            // Payara fires Startup (and @Initialized(ApplicationScoped)) from Weld's endInitialization while it is
            // still loading the application, before the web module's java:comp/env is bound: a storage producer
            // whose bean injects a @PersistenceUnit cannot be created yet ("Lookup failed for java:comp/env/...").
            // Failing the deployment would be wrong; the start is tried again once the deployment has finished.
            LOG.log(Level.INFO, "Apiary workers could not start during deployment ({0}); trying again in {1}",
                    new Object[] {e, START_RETRY_DELAY});
            scheduleStart(START_RETRIES);
        }
    }

    private void scheduleStart(int triesLeft) {
        executors.scheduler().schedule(() -> {
            try {
                start();
                LOG.info("Apiary workers started");
            } catch (RuntimeException e) {
                if (triesLeft <= 1 || stopped) {
                    LOG.log(Level.SEVERE, "Apiary workers could not start; the readiness check stays DOWN", e);
                } else {
                    scheduleStart(triesLeft - 1);
                }
            }
        }, START_RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    }

    void onShutdown(@Observes Shutdown shutdown) {
        stop();
    }

    /** The application's monitor, started at start-up. */
    @Produces
    @Dependent
    Monitor monitor() {
        return monitor;
    }

    /**
     * Builds and starts every enabled worker; does nothing the second time. When a storage cannot be reached yet it
     * throws before registering anything, so it can be called again.
     */
    public synchronized void start() {
        if (started || stopped) {
            return;
        }
        for (WorkerBean worker : extension.workers()) {
            if (extension.settings(worker).enabled()) {
                extension.storageOf(worker).queue();
            }
        }
        for (WorkerBean worker : extension.workers()) {
            WorkerSettings settings = extension.settings(worker);
            if (!settings.enabled()) {
                LOG.info(() -> "Apiary " + worker.describe() + " is disabled by "
                        + WorkerSettings.prefix(settings.name()) + "enabled");
                continue;
            }
            register(worker, settings, extension.storageOf(worker));
        }
        monitor.start();
        started = true;
        // after the storages and workers have read their keys, so that every valid key is known
        UnknownKeys.warn(ApiaryConfig.fromEnvironment());
    }

    @SuppressWarnings("unchecked")
    private <T> void register(WorkerBean worker, WorkerSettings s, JobStorage<?> storage) {
        JobHandler<T> handler = new BeanHandler<>(beanManager, worker.bean(), worker.handlerType());
        monitor.register(s.instances(), index -> new DefaultWorkerBuilder<>(s.name())
                .source((JobStorage<T>) storage)
                .concurrency(s.concurrency())
                .pollInterval(s.pollInterval())
                .maxPollInterval(s.maxPollInterval())
                .heartbeatInterval(s.heartbeatInterval())
                .lease(s.lease())
                .handler(handler));
    }

    /**
     * Stops claiming, lets running jobs finish within the grace period, hands back the rest, then shuts down the
     * stand-in executors; does nothing the second time.
     */
    @PreDestroy
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            if (started) {
                monitor.stop();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "Stopping the Apiary monitor failed", e);
        } finally {
            executors.shutdownOwned();
        }
    }

    /** Whether the workers were started and not stopped. */
    public boolean isRunning() {
        return started && !stopped;
    }

    /** {@code running}, {@code not started} or {@code stopped}. */
    public String status() {
        return stopped ? "stopped" : started ? "running" : "not started";
    }

    /** Every worker instance now. */
    public List<WorkerSnapshot> snapshot() {
        return monitor.snapshot();
    }

    /** Every storage bean's queue and whether it answers now; a storage that throws does not answer. */
    public Map<String, Boolean> storageAvailability() {
        Map<String, Boolean> result = new LinkedHashMap<>();
        for (StorageBean bean : extension.storages()) {
            String name = "bean " + bean.bean().getBeanClass().getSimpleName() + " " + bean.bean().getTypes();
            boolean available;
            try {
                JobStorage<?> storage = extension.directory().storage(bean);
                name = storage.queue();
                available = storage.isAvailable();
                if (!available) {
                    reportUnavailable(name, null);
                }
            } catch (RuntimeException e) {
                available = false;
                reportUnavailable(name, e);
            }
            if (available && unavailable.remove(name) != null) {
                String back = name;
                LOG.info(() -> "Storage " + back + " answers again");
            }
            result.merge(name, available, Boolean::logicalAnd);
        }
        return result;
    }

    /** Logs a storage that does not answer once per outage, with the reason when there is one. */
    private void reportUnavailable(String name, RuntimeException error) {
        if (unavailable.putIfAbsent(name, Boolean.TRUE) == null) {
            LOG.log(Level.WARNING, "Storage " + name + " is unavailable; readiness reports DOWN until it answers"
                    + (error == null ? "" : ": " + error), error);
        }
    }

    /** The settings of the application's enabled workers. */
    public List<WorkerSettings> enabledWorkers() {
        List<WorkerSettings> result = new ArrayList<>();
        for (WorkerBean worker : extension.workers()) {
            WorkerSettings s = extension.settings(worker);
            if (s.enabled()) {
                result.add(s);
            }
        }
        return result;
    }

    /** The monitor-wide settings. */
    public MonitorSettings settings() {
        return extension.monitorSettings();
    }
}
