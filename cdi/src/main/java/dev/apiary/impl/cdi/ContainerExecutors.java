package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.monitor.DaemonThreads;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.concurrent.ContextService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.concurrent.ManagedTask;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.naming.NoInitialContextException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The executors jobs and polls run on, chosen once at start and logged: the container's Jakarta Concurrency
 * {@code ManagedExecutorService} and {@code ManagedScheduledExecutorService}, looked up by JNDI, so that jobs run on
 * threads the container knows (with its naming, security and class-loading context); where there is no JNDI
 * (Quarkus, Helidon MP), the MicroProfile Context Propagation {@code ManagedExecutor} bean for jobs, with its
 * {@code ThreadContext}, and Apiary's own scheduler for timing; where neither is (Weld SE, tests) plain daemon
 * pools. In a JNDI container a name that does not resolve, the default one included, fails the deployment.
 */
@ApplicationScoped
public class ContainerExecutors {

    private static final Logger LOG = Logger.getLogger(ContainerExecutors.class.getName());
    private static final String DEFAULT_CONTEXT_SERVICE = "java:comp/DefaultContextService";
    private static final String DEFAULT_THREAD_FACTORY = "java:comp/DefaultManagedThreadFactory";

    @Inject
    RuntimeDirectory directory;

    @Inject
    Instance<Object> beans;

    private ExecutorService jobs;
    private ScheduledExecutorService scheduler;
    private final List<ExecutorService> owned = new ArrayList<>();
    private ContextService contextService;
    private boolean contextServiceLookedUp;
    /** The MicroProfile Context Propagation executor jobs run on, if that was the choice; typed loosely, as optional. */
    private Object contextPropagation;
    /** Which executors were chosen, for the log and the readiness check. */
    private String description;
    private String jobsName;

    @PostConstruct
    void lookUp() {
        MonitorSettings settings = directory.monitorSettings();
        Object managedJobs = lookUp(directory.buildCompatible(), MonitorSettings.EXECUTOR_JNDI_NAME,
                settings.executorJndiName(),
                MonitorSettings.DEFAULT_EXECUTOR, ExecutorService.class);
        Object managedScheduler = lookUp(directory.buildCompatible(), MonitorSettings.SCHEDULER_JNDI_NAME,
                settings.schedulerJndiName(),
                MonitorSettings.DEFAULT_SCHEDULER, ScheduledExecutorService.class);
        if (managedJobs != null) {
            jobs = (ExecutorService) managedJobs;
            jobsName = settings.executorJndiName();
            description = "Jakarta Concurrency " + jobsName;
        } else if ((contextPropagation = contextPropagation(beans)) != null) {
            jobs = ((ContextPropagationExecutor) contextPropagation).jobs();
            description = jobsName = "MicroProfile Context Propagation ManagedExecutor";
        } else {
            description = jobsName = "Apiary's own threads";
            jobs = Executors.newCachedThreadPool(DaemonThreads.named("apiary-job"));
            owned.add(jobs);
        }
        ScheduledThreadPoolExecutor onManagedThreads = managedScheduler != null
                && settings.schedulerJndiName().equals(MonitorSettings.DEFAULT_SCHEDULER)
                && refusesWhileSuspended(managedScheduler) ? onManagedThreads() : null;
        if (onManagedThreads != null) {
            scheduler = onManagedThreads;
            owned.add(onManagedThreads);
        } else if (managedScheduler != null) {
            scheduler = (ScheduledExecutorService) managedScheduler;
        } else {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("apiary-scheduler"));
            s.setRemoveOnCancelPolicy(true);
            scheduler = s;
            owned.add(s);
        }
        if (managedScheduler == null) {
            description += ", timed on Apiary's own scheduler";
        }
        LOG.info(() -> "Apiary runs jobs on " + description + (managedJobs != null ? ""
                : " (no JNDI, so no Jakarta Concurrency" + (contextPropagation != null ? ")"
                : ", and no MicroProfile Context Propagation ManagedExecutor bean)")));
    }

    /** The MicroProfile Context Propagation executor bean, touching its classes only when the API is there. */
    private static Object contextPropagation(Instance<Object> beans) {
        if (!isPresent(ContextPropagationExecutor.API)) {
            return null;
        }
        return ContextPropagationExecutor.lookUp(beans).orElse(null);
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, ContainerExecutors.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Which executors jobs and ticks run on: {@code Jakarta Concurrency <jndi-name>}, {@code MicroProfile Context
     * Propagation ManagedExecutor} or {@code Apiary's own threads}, with {@code , timed on Apiary's own scheduler}
     * where no managed scheduler was found.
     */
    public String description() {
        return description;
    }

    /** The executor jobs run on, as messages name it: its JNDI name, or what it is where there is none. */
    String jobsName() {
        return jobsName;
    }

    /*
     * WildFly suspends the server before it stops the application on jboss-cli :shutdown (some 50 ms before), and
     * its managed scheduler then refuses every task that comes due, each logged by WildFly as an ERROR with a stack
     * trace (WFLYEE0110); no portable event tells the application that the server suspends. So on WildFly, with the
     * default scheduler, Apiary times its ticks on a pool of its own, whose threads come from the container's
     * default ManagedThreadFactory: they are the container's managed threads, with the application's naming,
     * security and class-loading context, which a suspension does not refuse; the pool is sized for the
     * housekeeping and shut down when the application stops. WildFly's factory gives a thread the context of the
     * thread that makes it, so the threads are all made here and in schedulerThreads, on the application's threads,
     * never lazily by a task scheduled from a server thread. Payara creates the application's beans before its
     * java:comp/env is bound, and would give the threads made then no such context; Payara and Open Liberty do not
     * refuse due tasks, so they keep their managed scheduler. A scheduler named by apiary.scheduler.jndi-name is
     * used as it is.
     */
    private static boolean refusesWhileSuspended(Object managedScheduler) {
        return managedScheduler.getClass().getName().startsWith("org.jboss.as.ee.concurrent.");
    }

    private static ScheduledThreadPoolExecutor onManagedThreads() {
        ManagedThreadFactory threads;
        try {
            threads = (ManagedThreadFactory) new InitialContext().lookup(DEFAULT_THREAD_FACTORY);
        } catch (NamingException | RuntimeException e) {
            LOG.fine(() -> "No " + DEFAULT_THREAD_FACTORY + " (" + e + "): ticks are timed on the managed scheduler");
            return null;
        }
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(2, threads);
        s.setRemoveOnCancelPolicy(true);
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        s.prestartAllCoreThreads();
        return s;
    }

    /*
     * Outside a container (Weld SE, tests) there is no JNDI at all: NoInitialContextException, and plain threads
     * stand in. In a container a name that does not resolve is a mistake, and jobs on plain threads would lack the
     * application's naming, security and class-loading context: the deployment fails, naming the key. A container
     * that runs only the build-compatible extension (CDI Lite: Quarkus) has no Jakarta Concurrency, and its JNDI, if
     * any, refuses or lacks the default names: there the default names are skipped as outside a container.
     */
    private static Object lookUp(boolean lite, String key, String name, String defaultName, Class<?> type) {
        Object found;
        try {
            found = new InitialContext().lookup(name);
        } catch (NoInitialContextException e) {
            if (name.equals(defaultName)) {
                return null;
            }
            throw new ConfigurationException(key + " = " + name + ": there is no JNDI here (" + e.getMessage()
                    + "); remove the key outside a Jakarta EE container", e);
        } catch (NamingException | RuntimeException e) {
            if (lite && name.equals(defaultName)) {
                return null;
            }
            throw new ConfigurationException(key + " = " + name + " does not resolve (" + e + "); set " + key
                    + " to the JNDI name of a Managed" + type.getSimpleName() + " of this server"
                    + (name.equals(defaultName) ? "" : ", or remove the key for the default " + defaultName), e);
        }
        if (!type.isInstance(found)) {
            throw new ConfigurationException(key + " = " + name + " is a " + found.getClass().getName() + ", not a "
                    + type.getName());
        }
        return found;
    }

    /*
     * A managed executor runs a task with the context of the thread that submitted it. A push wakes the workers on
     * the pusher's thread, from its after-commit callback: inside the caller's @Transactional method when the push
     * joined the caller's transaction. On Payara the poll task then inherited "inside @Transactional", where
     * UserTransaction is forbidden, so the JPA storage's claim failed ("Operation not allowed") there and in every
     * task that task submitted, restarts included: the worker never claimed again. So the wake-up runs through a
     * contextual proxy captured when the worker starts, and submits its poll with the application's own context.
     * (Wrapping the executors themselves is not an option: Open Liberty refuses a contextual proxy's call made in
     * the servlet listener that fires Startup, SRVE8011E.) Where a proxy cannot be made or run, the plain wake-up.
     */
    /** The wake-up run with the context of the thread that calls this (at worker start), where possible. */
    public Runnable withApplicationContext(Runnable wake) {
        ContextService context = contextService();
        if (context == null && contextPropagation == null) {
            return wake;
        }
        Runnable contextual;
        try {
            if (context != null) {
                // the wake-up runs in the pusher's after-commit callback: a proxy that suspended the finished
                // transaction around the call could not resume it afterwards (Payara logs SEVERE
                // InvalidTransactionException each time), and the wake-up needs no transaction anyway
                contextual = context.createContextualProxy(wake,
                        Map.of(ManagedTask.TRANSACTION, ManagedTask.USE_TRANSACTION_OF_EXECUTION_THREAD),
                        Runnable.class);
            } else {
                // the ThreadContext's defaults (everything propagated but the transaction, which is cleared): a
                // provider that cannot clear the finished transaction throws, and the plain wake-up below runs
                contextual = ((ContextPropagationExecutor) contextPropagation).contextual(wake);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "No contextual proxy for worker wake-ups", e);
            return wake;
        }
        return () -> {
            try {
                contextual.run();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "Contextual worker wake-up refused; waking in the caller's context", e);
                wake.run();
            }
        };
    }

    private synchronized ContextService contextService() {
        if (!contextServiceLookedUp) {
            contextServiceLookedUp = true;
            try {
                contextService = (ContextService) new InitialContext().lookup(DEFAULT_CONTEXT_SERVICE);
            } catch (NamingException | RuntimeException e) {
                LOG.fine(() -> "No " + DEFAULT_CONTEXT_SERVICE + " (" + e + "): wake-ups run in the pusher's context");
            }
        }
        return contextService;
    }

    /** Where jobs run. */
    public Executor jobs() {
        return jobs;
    }

    /** Where polls, heartbeats and restarts are timed. */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /**
     * Gives Apiary's own scheduler (outside a container, or on the container's managed threads) at least
     * {@code threads} threads, so that a slow storage call of one queue's housekeeping cannot hold up another's
     * heartbeats; a scheduler named by {@code apiary.scheduler.jndi-name} is the server's to size. Call it on an
     * application thread: the new threads are made at once, with the caller's context.
     */
    public synchronized void schedulerThreads(int threads) {
        if (owned.contains(scheduler) && scheduler instanceof ScheduledThreadPoolExecutor s
                && s.getCorePoolSize() < threads) {
            s.setCorePoolSize(threads);
            s.prestartAllCoreThreads();
        }
    }

    /** What interrupts a {@code @Timeout} attempt at its deadline: the scheduler. */
    public ScheduledExecutorService timed() {
        return scheduler;
    }

    /** Shuts down Apiary's own pools (never the container's executors); called once the monitor has stopped. */
    @PreDestroy
    public synchronized void shutdownOwned() {
        for (ExecutorService e : owned) {
            e.shutdownNow();
        }
        owned.clear();
    }
}
