package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.monitor.DaemonThreads;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.logging.Logger;

/**
 * The executors jobs and polls run on: the container's {@code ManagedExecutorService} and
 * {@code ManagedScheduledExecutorService}, looked up by JNDI, so that jobs run on threads the container knows
 * (with its naming, security and class-loading context). Outside a container (Weld SE, tests) the default names do
 * not resolve and plain daemon pools stand in; a name configured explicitly must resolve.
 */
@ApplicationScoped
public class ContainerExecutors {

    private static final Logger LOG = Logger.getLogger(ContainerExecutors.class.getName());

    @Inject
    ApiaryExtension extension;

    private ExecutorService jobs;
    private ScheduledExecutorService scheduler;
    private final List<ExecutorService> owned = new ArrayList<>();

    @PostConstruct
    void lookUp() {
        MonitorSettings settings = extension.monitorSettings();
        Object managedJobs = lookUp(MonitorSettings.EXECUTOR_JNDI_NAME, settings.executorJndiName(),
                MonitorSettings.DEFAULT_EXECUTOR, ExecutorService.class);
        Object managedScheduler = lookUp(MonitorSettings.SCHEDULER_JNDI_NAME, settings.schedulerJndiName(),
                MonitorSettings.DEFAULT_SCHEDULER, ScheduledExecutorService.class);
        if (managedJobs != null) {
            jobs = (ExecutorService) managedJobs;
        } else {
            jobs = Executors.newCachedThreadPool(DaemonThreads.named("apiary-job"));
            owned.add(jobs);
        }
        if (managedScheduler != null) {
            scheduler = (ScheduledExecutorService) managedScheduler;
        } else {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("apiary-scheduler"));
            s.setRemoveOnCancelPolicy(true);
            scheduler = s;
            owned.add(s);
        }
        if (!owned.isEmpty()) {
            LOG.info(() -> "No managed executor at " + (managedJobs == null ? settings.executorJndiName() : "")
                    + (managedJobs == null && managedScheduler == null ? " and " : "")
                    + (managedScheduler == null ? settings.schedulerJndiName() : "")
                    + " (not in a Jakarta EE container): Apiary runs jobs and polls on its own daemon threads");
        }
    }

    private static Object lookUp(String key, String name, String defaultName, Class<?> type) {
        Object found;
        try {
            found = new InitialContext().lookup(name);
        } catch (NamingException | RuntimeException e) {
            if (name.equals(defaultName)) {
                return null;
            }
            throw new ConfigurationException(key + " = " + name + ": no such resource (" + e
                    + "); use the JNDI name of a managed executor, or remove the key for the default " + defaultName,
                    e);
        }
        if (!type.isInstance(found)) {
            throw new ConfigurationException(key + " = " + name + " is a " + found.getClass().getName() + ", not a "
                    + type.getName());
        }
        return found;
    }


    /** Where jobs run. */
    public Executor jobs() {
        return jobs;
    }

    /** Where polls, heartbeats and restarts are timed. */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Where {@code @Timeout} runs the rest of a job's chain: the job executor too. */
    public ExecutorService timed() {
        return jobs;
    }

    /** Shuts down the stand-in pools (never the container's); called once the monitor has stopped. */
    @PreDestroy
    public synchronized void shutdownOwned() {
        for (ExecutorService e : owned) {
            e.shutdownNow();
        }
        owned.clear();
    }
}
