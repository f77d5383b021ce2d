package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.TelemetrySettings;
import dev.apiary.impl.config.UnknownKeys;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.impl.monitor.DefaultMonitor;
import dev.apiary.impl.storage.RetentionCleaner;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.schedule.Schedules;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Reception;
import jakarta.enterprise.event.Shutdown;
import jakarta.enterprise.event.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The application's monitor: when the application starts (the CDI {@link Startup} event, after the application's
 * own start-up observers) it builds a worker from every enabled {@code @JobWorker} bean, registers its instances and
 * starts them on the container's executors; when the application stops ({@link Shutdown}, before any context is
 * destroyed, so worker beans can finish their jobs) it stops them within the grace period. The {@link Monitor} is
 * injectable, for dashboards and REST resources. Its parts: {@link WorkerRegistration} (workers and schedules),
 * {@link RetentionPlan} (purges), {@link ExecutorProbe} (the executor's size), {@link ShutdownHook} (the JVM's
 * exit) and {@link SourceAvailability} (readiness).
 */
@ApplicationScoped
public class ContainerMonitor {

    /** What {@link #status()} says before the workers run, and what a probe says before the monitor exists. */
    public static final String STARTING = "starting";

    private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());
    private static final Duration START_RETRY_DELAY = Duration.ofMillis(500);
    private static final int START_RETRIES = 120;

    /** Purges of finished jobs configured by key, closed at stop. */
    private final List<RetentionCleaner> retention = new ArrayList<>();
    private final ShutdownHook shutdownHook = new ShutdownHook();

    @Inject
    RuntimeDirectory directory;

    @Inject
    ContainerExecutors executors;

    @Inject
    BeanManager beanManager;

    private DefaultMonitor monitor;
    private SourceAvailability availability;
    private Telemetry telemetry = Telemetry.NONE;
    private volatile boolean started;
    private volatile boolean stopped;
    /** Set when the start failed for good (a configuration error, or no storage within the start retries). */
    private volatile boolean failed;

    @PostConstruct
    void create() {
        MonitorSettings settings = directory.monitorSettings();
        monitor = new DefaultMonitor(executors.jobs(), executors.scheduler());
        monitor.wakeUpContext(executors::withApplicationContext);
        monitor.gracePeriod(settings.gracePeriod());
        monitor.restartBudget(settings.maxRestarts(), settings.restartBackoff(), settings.maxRestartBackoff());
        monitor.awaitPollInterval(settings.awaitPollInterval());
        TelemetrySettings telemetrySettings = directory.telemetrySettings();
        // the OpenTelemetry classes are touched only when they are there
        telemetry = telemetrySettings.enabled() && Telemetry.AVAILABLE
                ? ContainerTelemetry.lookup(beanManager, telemetrySettings.backlogRefresh()) : Telemetry.NONE;
        monitor.telemetry(telemetry);
        CdiWorkerEvents.forObserversIn(beanManager).ifPresent(monitor::addListener);
        availability = new SourceAvailability(directory);
    }

    void onStartup(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER + 500) Startup startup) {
        try {
            start();
        } catch (ConfigurationException e) {
            failed = true;
            LOG.log(Level.SEVERE, "Apiary workers cannot start; the readiness check stays DOWN", e);
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
                    failed = true;
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

    /*
     * Helidon MP fires no Shutdown event: on SIGTERM its own JVM shutdown hook destroys the application context while
     * Apiary's hook (ShutdownHook) is stopping the monitor, so the stand-in pools (ContainerExecutors) and the
     * storages could be destroyed under running jobs. Stopping here, before the context is destroyed, makes that
     * destruction wait (stop is synchronized) until the running jobs have finished within the grace period.
     */
    void beforeDestroyed(@Observes(notifyObserver = Reception.IF_EXISTS) @BeforeDestroyed(ApplicationScoped.class)
            Object event) {
        stop();
    }

    /** The application's monitor, started at start-up. */
    @Produces
    @Dependent
    Monitor monitor() {
        return monitor;
    }

    /** The application's recurring schedules, for operations and dashboards. */
    @Produces
    @Dependent
    Schedules schedules() {
        return monitor.schedules();
    }

    /**
     * Builds and starts every enabled worker; does nothing the second time. When a storage cannot be reached yet it
     * throws before registering anything, so it can be called again.
     */
    public synchronized void start() {
        if (started || stopped) {
            return;
        }
        for (WorkerModel worker : directory.workers()) {
            if (worker.settings().enabled()) {
                directory.sourceOf(worker, executors.jobs()).queue();
            }
        }
        for (RecurringBean recurring : directory.schedules()) {
            JobStorage<?> storage = directory.storageOf(recurring.worker());
            if (storage.scheduleStore().isEmpty()) {
                throw new ConfigurationException("Apiary " + recurring.worker().bean().describe() + ", schedule '"
                        + recurring.schedule().name() + "': its storage for queue '" + storage.queue() + "' ("
                        + storage.getClass().getName() + ") keeps no schedules; use the JPA or the in-memory storage");
            }
        }
        WorkerRegistration registration = new WorkerRegistration(monitor, beanManager);
        for (WorkerModel worker : directory.workers()) {
            WorkerSettings settings = worker.settings();
            if (!settings.enabled()) {
                LOG.info(() -> "Apiary " + worker.bean().describe() + " is disabled by "
                        + WorkerSettings.prefix(settings.name()) + "enabled");
                continue;
            }
            registration.register(worker.bean(), settings, directory.sourceOf(worker, executors.jobs()));
        }
        for (RecurringBean recurring : directory.schedules()) {
            registration.schedule(recurring, directory.storageOf(recurring.worker()));
        }
        RetentionPlan plan = RetentionPlan.read(directory);
        PausedAtStart.apply(directory);
        LimitsAtStart.apply(directory);
        monitor.start();
        started = true;
        // only once the monitor runs: a start that fails is tried again, and must not leave cleaners behind
        retention.addAll(plan.start(executors.scheduler()));
        // heartbeats, sweeps, ticks and purges block a scheduler thread each while a database is slow
        executors.schedulerThreads(monitor.housekeepingThreads() + plan.byRetention().size());
        // after the storages and workers have read their keys, so that every valid key is known
        UnknownKeys.warn(ApiaryConfig.fromEnvironment());
        shutdownHook.add(this::stop, () -> stopped);
        ExecutorProbe.probe(executors, enabledWorkers(), executors.jobsName());
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
        boolean jvmExiting = shutdownHook.remove();
        List<WorkerSnapshot> before = started ? monitor.snapshot() : List.of();
        long startNanos = System.nanoTime();
        retention.forEach(RetentionCleaner::close);
        try {
            if (started) {
                monitor.stop();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "Stopping the Apiary monitor failed", e);
        } finally {
            telemetry.close();
            directory.closeConfiguredQueues();
            executors.shutdownOwned();
        }
        if (started && jvmExiting) {
            ShutdownHook.reportStop(before, monitor.snapshot(), startNanos, settings().gracePeriod());
        }
    }

    /** Whether the workers were started and not stopped. */
    public boolean isRunning() {
        return started && !stopped;
    }

    /**
     * The worker instances that claim nothing because their heartbeats have not got through for too long (a slow
     * or hung database), with how long ago the last one did.
     */
    public Map<String, Duration> heartbeatsOverdue() {
        return started && !stopped ? monitor.heartbeatsOverdue() : Map.of();
    }

    /** {@code starting}, {@code running}, {@code failed} (its start, logged) or {@code stopped}. */
    public String status() {
        return stopped ? "stopped" : started ? "running" : failed ? "failed" : STARTING;
    }

    /*
     * A health probe may come on a server thread while the application is still deploying (WildFly answers
     * /health on its management port from the start). Creating the monitor there looks up the managed executors
     * from a thread without the application's java:comp, which fails and logged advice to set
     * apiary.executor.jndi-name that was already right. So a probe only reads a monitor that the application
     * created (at Startup, or in a request); until then the workers are starting.
     */
    /** The application's monitor if CDI has already created it; never creates it. */
    public static java.util.Optional<ContainerMonitor> ifCreated(BeanManager beanManager) {
        var bean = beanManager.resolve(beanManager.getBeans(ContainerMonitor.class));
        if (bean == null) {
            return java.util.Optional.empty();
        }
        Object instance = beanManager.getContext(ApplicationScoped.class).get(bean);
        return java.util.Optional.ofNullable((ContainerMonitor) instance);
    }

    /** Every worker instance now. */
    public List<WorkerSnapshot> snapshot() {
        return monitor.snapshot();
    }

    /** Every storage bean's queue and whether it answers now; a storage that throws does not answer. */
    public Map<String, Boolean> storageAvailability() {
        return availability.now(started, executors.jobs());
    }

    /** The queues of the storage beans that are paused now; a storage that throws is left out (readiness says why). */
    public Set<String> pausedQueues() {
        Set<String> paused = new TreeSet<>();
        for (StorageBean bean : directory.storages()) {
            try {
                JobStorage<?> storage = directory.storage(bean);
                if (storage.isPaused()) {
                    paused.add(storage.queue());
                }
            } catch (RuntimeException e) {
                // the availability check reports the storage as unreachable
            }
        }
        return paused;
    }

    /** The settings of the application's enabled workers. */
    public List<WorkerSettings> enabledWorkers() {
        List<WorkerSettings> result = new ArrayList<>();
        for (WorkerModel worker : directory.workers()) {
            if (worker.settings().enabled()) {
                result.add(worker.settings());
            }
        }
        return result;
    }

    /** Which executors jobs and ticks run on, as chosen at start ({@link ContainerExecutors#description()}). */
    public String executor() {
        return executors.description();
    }

    /** The monitor-wide settings. */
    public MonitorSettings settings() {
        return directory.monitorSettings();
    }
}
