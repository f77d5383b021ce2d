package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.JobHandler;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.UnknownKeys;
import dev.apiary.impl.config.StorageSettings;
import dev.apiary.impl.storage.RetentionCleaner;
import dev.apiary.impl.config.TelemetrySettings;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.impl.monitor.DefaultMonitor;
import dev.apiary.impl.monitor.ExecutorCapacity;
import dev.apiary.impl.worker.DefaultWorkerBuilder;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.schedule.Schedules;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;
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
import jakarta.enterprise.context.spi.CreationalContext;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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

    /** What {@link #status()} says before the workers run, and what a probe says before the monitor exists. */
    public static final String STARTING = "starting";

    /** Storages reported unavailable, so that an outage is logged once and its end once. */
    private final Map<String, Boolean> unavailable = new java.util.concurrent.ConcurrentHashMap<>();
    /** Purges of finished jobs configured by key, closed at stop. */
    private final List<RetentionCleaner> retention = new ArrayList<>();

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
    private Telemetry telemetry = Telemetry.NONE;
    private volatile boolean started;
    private volatile boolean stopped;
    /** Set when the start failed for good (a configuration error, or no storage within the start retries). */
    private volatile boolean failed;
    private volatile Thread shutdownHook;

    @PostConstruct
    void create() {
        MonitorSettings settings = extension.monitorSettings();
        monitor = new DefaultMonitor(executors.jobs(), executors.scheduler());
        monitor.wakeUpContext(executors::withApplicationContext);
        monitor.gracePeriod(settings.gracePeriod());
        monitor.restartBudget(settings.maxRestarts(), settings.restartBackoff(), settings.maxRestartBackoff());
        TelemetrySettings telemetrySettings = extension.telemetrySettings();
        // the OpenTelemetry classes are touched only when they are there
        telemetry = telemetrySettings.enabled() && Telemetry.AVAILABLE
                ? ContainerTelemetry.lookup(beanManager, telemetrySettings.backlogRefresh()) : Telemetry.NONE;
        monitor.telemetry(telemetry);
        CdiWorkerEvents.forObserversIn(beanManager).ifPresent(monitor::addListener);
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
        for (WorkerBean worker : extension.workers()) {
            if (extension.settings(worker).enabled()) {
                extension.sourceOf(worker, executors.jobs()).queue();
            }
        }
        for (RecurringBean recurring : extension.schedules()) {
            JobStorage<?> storage = extension.storageOf(recurring.worker());
            if (storage.scheduleStore().isEmpty()) {
                throw new ConfigurationException("Apiary " + recurring.worker().describe() + ", schedule '"
                        + recurring.schedule().name() + "': its storage for queue '" + storage.queue() + "' ("
                        + storage.getClass().getName() + ") keeps no schedules; use the JPA or the in-memory storage");
            }
        }
        for (WorkerBean worker : extension.workers()) {
            WorkerSettings settings = extension.settings(worker);
            if (!settings.enabled()) {
                LOG.info(() -> "Apiary " + worker.describe() + " is disabled by "
                        + WorkerSettings.prefix(settings.name()) + "enabled");
                continue;
            }
            register(worker, settings, extension.sourceOf(worker, executors.jobs()));
        }
        for (RecurringBean recurring : extension.schedules()) {
            schedule(recurring, extension.storageOf(recurring.worker()));
        }
        RetentionPlan plan = retentionPlan();
        monitor.start();
        started = true;
        // only once the monitor runs: a start that fails is tried again, and must not leave cleaners behind
        start(plan);
        // heartbeats, sweeps, ticks and purges block a scheduler thread each while a database is slow
        executors.schedulerThreads(monitor.housekeepingThreads() + plan.byRetention().size());
        // after the storages and workers have read their keys, so that every valid key is known
        UnknownKeys.warn(ApiaryConfig.fromEnvironment());
        addShutdownHook();
        probeExecutor();
    }

    /**
     * Which storages keep finished jobs for how long ({@code apiary.storage.retention},
     * {@code apiary.queues.<queue>.retention}) and how often to purge; read before the start, so that a bad value
     * fails it.
     */
    private RetentionPlan retentionPlan() {
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        Map<Duration, List<JobStorage<?>>> byRetention = new LinkedHashMap<>();
        Set<JobStorage<?>> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (StorageBean bean : extension.storages()) {
            JobStorage<?> storage = extension.directory().storage(bean);
            if (seen.add(storage)) {
                StorageSettings.jobRetention(config, storage.queue()).ifPresent(r ->
                        byRetention.computeIfAbsent(r, k -> new ArrayList<>()).add(storage));
            }
        }
        Duration interval = StorageSettings.retentionInterval(config);
        if (!config.problems().isEmpty()) {
            throw config.problems().get(0);
        }
        return new RetentionPlan(byRetention, interval);
    }

    /** One retention cleaner per distinct retention, on the container's scheduler, closed at stop. */
    private record RetentionPlan(Map<Duration, List<JobStorage<?>>> byRetention, Duration interval) {
    }

    private void start(RetentionPlan plan) {
        plan.byRetention().forEach((keep, storages) -> {
            retention.add(RetentionCleaner.start(executors.scheduler(), keep, plan.interval(), storages));
            LOG.info(() -> "Apiary purges finished jobs older than " + keep + " from queues "
                    + storages.stream().map(JobStorage::queue).toList() + " every " + plan.interval());
        });
    }

    /*
     * On Payara Micro 6 SIGTERM was not seen to reach the monitor (no Shutdown event or @PreDestroy logged), and
     * running jobs came back only when their lease expired. A JVM shutdown hook stops the
     * monitor whatever the server does; the JVM halts only after every hook has returned, so the grace period is
     * served. Where the server stops the application itself (WildFly, Open Liberty), whichever comes first stops
     * the monitor and the other waits for it (stop() is synchronized and runs once). The hook is removed at an
     * ordinary undeploy, so it does not hold the application's class loader.
     */
    private void addShutdownHook() {
        Thread hook = new Thread(this::stopOnShutdown, "apiary-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            shutdownHook = hook;
        } catch (IllegalStateException | SecurityException e) {
            LOG.log(Level.WARNING, "No JVM shutdown hook for the Apiary monitor (" + e + "); it stops when the server"
                    + " stops the application", e);
        }
    }

    private void stopOnShutdown() {
        if (!stopped) {
            LOG.info("The JVM is shutting down: stopping the Apiary monitor");
        }
        stop();
    }

    /*
     * JUL may be closed by the time a stop during JVM shutdown ends: the JDK's own hook resets it, and on Payara
     * Micro and Open Liberty nothing Apiary logs after the first moments of the shutdown reaches the log. So the outcome of such a
     * stop also goes to the process's standard error, which a container runtime collects.
     */
    private void reportStopOnShutdown(List<WorkerSnapshot> before, long startNanos) {
        int running = before.stream().mapToInt(WorkerSnapshot::running).sum();
        long ended = before.stream().mapToLong(w -> w.done() + w.failed()).sum();
        long endedSince = monitor.snapshot().stream().mapToLong(w -> w.done() + w.failed()).sum() - ended;
        String line = "Apiary monitor stopped on JVM shutdown after " + (System.nanoTime() - startNanos) / 1_000_000
                + " ms: " + running + " jobs were running, " + endedSince + " finished within the grace period ("
                + settings().gracePeriod() + "), the rest were handed back";
        LOG.info(line);
        @SuppressWarnings("resource") // the process's own stderr: never closed
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        err.println(Instant.now() + " INFO [" + ContainerMonitor.class.getName() + "] " + line);
    }

    /** Removes the hook at an ordinary stop; true when the JVM is shutting down (the hook runs or has run). */
    private boolean removeShutdownHook() {
        Thread hook = shutdownHook;
        if (hook == null) {
            return false;
        }
        if (hook == Thread.currentThread()) {
            return true;
        }
        try {
            return !Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
    }

    /*
     * A warning, not a deployment error: the same WAR must deploy on a server whose default pool is smaller than
     * on the developer's machine (WildFly sizes it from the cores), other applications share the pool, and jobs
     * beyond its threads only wait: the claim is bounded by the configured concurrency, and @Timeout counts from
     * the handler's start, not from the queue. Failing would make the example undeployable on a 2-core WildFly.
     * A pool exactly as large as the total concurrency is warned about too: full of jobs, it runs a worker's claim
     * for a free slot only after some job ends (heartbeats do not wait: they run on the scheduler). So the probe asks
     * for one task more than the total.
     */
    private void probeExecutor() {
        List<String> wants = new ArrayList<>();
        int wanted = 0;
        for (WorkerSettings s : enabledWorkers()) {
            wanted += s.concurrency() * s.instances();
            wants.add(s.name() + " " + s.instances() + "x" + s.concurrency());
        }
        if (wanted == 0 || ExecutorCapacity.threads(executors.jobs()).isPresent()) {
            // an executor that says how many threads it has: the monitor has compared them already
            return;
        }
        int total = wanted;
        String executor = extension.monitorSettings().executorJndiName();
        ExecutorCapacity.probe(executors.jobs(), executors.scheduler(), total + 1, ran -> {
            if (ran <= total) {
                LOG.warning(() -> "Apiary workers may run " + total + " jobs at once (" + String.join(", ", wants)
                        + ", instances x concurrency), but the executor " + executor + " ran only " + ran
                        + " tasks at once at start-up: " + (ran < total ? "jobs beyond that wait for a thread, and "
                        : "") + "claims wait behind running jobs. Give the executor more than " + total
                        + " threads (or name another with " + MonitorSettings.EXECUTOR_JNDI_NAME + "), or lower"
                        + " apiary.workers.<name>.concurrency");
            } else {
                LOG.info(() -> "Apiary workers may run " + total + " jobs at once; the executor " + executor
                        + " ran more tasks at once at start-up");
            }
        });
    }

    @SuppressWarnings("unchecked")
    private <T> void register(WorkerBean worker, WorkerSettings s, JobSource<?> source) {
        JobHandler<T> handler = new BeanHandler<>(beanManager, worker.bean(), worker.handlerType());
        monitor.register(s.instances(), index -> {
            WorkerBuilder<T> builder = new DefaultWorkerBuilder<>(s.name())
                    .source((JobSource<T>) source)
                    .concurrency(s.concurrency())
                    .pollInterval(s.pollInterval())
                    .maxPollInterval(s.maxPollInterval())
                    .heartbeatInterval(s.heartbeatInterval())
                    .lease(s.lease());
            if (s.prefetch().isPresent()) {
                builder = builder.prefetch(s.prefetch().getAsInt());
            }
            return builder.handler(handler);
        });
    }

    @SuppressWarnings("unchecked")
    private <T> void schedule(RecurringBean recurring, JobStorage<?> storage) {
        Class<T> type = (Class<T>) recurring.worker().payloadType();
        Supplier<T> payload;
        if (recurring.payload() != null) {
            var bean = recurring.payload();
            // a fresh context per fire: a @Dependent producer's product is released once the job holds its payload
            payload = () -> {
                CreationalContext<?> context = beanManager.createCreationalContext(bean);
                try {
                    return type.cast(beanManager.getReference(bean, type, context));
                } finally {
                    context.release();
                }
            };
        } else {
            payload = () -> {
                try {
                    return type.getConstructor().newInstance();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("Cannot make the payload of schedule '"
                            + recurring.schedule().name() + "' with " + type.getName() + "()", e);
                }
            };
        }
        monitor.schedule(recurring.schedule(), (JobStorage<T>) storage, payload);
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
        boolean jvmExiting = removeShutdownHook();
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
            extension.closeConfiguredQueues();
            executors.shutdownOwned();
        }
        if (started && jvmExiting) {
            reportStopOnShutdown(before, startNanos);
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
        if (started) {
            for (MessageQueue<?> queue : extension.messageQueues(executors.jobs())) {
                String name = queue.queue();
                boolean available;
                try {
                    available = queue.isAvailable();
                    if (!available) {
                        reportUnavailable(name, null);
                    }
                } catch (RuntimeException e) {
                    available = false;
                    reportUnavailable(name, e);
                }
                if (available && unavailable.remove(name) != null) {
                    LOG.info(() -> "Message queue " + name + " answers again");
                }
                result.merge(name, available, Boolean::logicalAnd);
            }
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
