package dev.apiary.impl.cdi;

import dev.apiary.worker.WorkerSnapshot;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/*
 * On Payara Micro 6 SIGTERM was not seen to reach the monitor (no Shutdown event or @PreDestroy logged), and
 * running jobs came back only when their lease expired. A JVM shutdown hook stops the
 * monitor whatever the server does; the JVM halts only after every hook has returned, so the grace period is
 * served. Where the server stops the application itself (WildFly, Open Liberty), whichever comes first stops
 * the monitor and the other waits for it (stop() is synchronized and runs once). The hook is removed at an
 * ordinary undeploy, so it does not hold the application's class loader.
 */
/** The JVM shutdown hook that stops the monitor, and the report of a stop made while the JVM exits. */
final class ShutdownHook {

    private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());

    private volatile Thread hook;

    /** Installs a hook that runs {@code stop} when the JVM shuts down. */
    void add(Runnable stop, BooleanSupplier stopped) {
        Thread thread = new Thread(() -> {
            if (!stopped.getAsBoolean()) {
                LOG.info("The JVM is shutting down: stopping the Apiary monitor");
            }
            stop.run();
        }, "apiary-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(thread);
            hook = thread;
        } catch (IllegalStateException | SecurityException e) {
            LOG.log(Level.WARNING, "No JVM shutdown hook for the Apiary monitor (" + e + "); it stops when the server"
                    + " stops the application", e);
        }
    }

    /** Removes the hook at an ordinary stop; true when the JVM is shutting down (the hook runs or has run). */
    boolean remove() {
        Thread thread = hook;
        if (thread == null) {
            return false;
        }
        if (thread == Thread.currentThread()) {
            return true;
        }
        try {
            return !Runtime.getRuntime().removeShutdownHook(thread);
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
    }

    /*
     * JUL may be closed by the time a stop during JVM shutdown ends: the JDK's own hook resets it, and on Payara
     * Micro and Open Liberty nothing Apiary logs after the first moments of the shutdown reaches the log. So the outcome of such a
     * stop also goes to the process's standard error, which a container runtime collects.
     */
    /** Reports a stop during JVM shutdown: what was running before it, what ended within the grace period. */
    static void reportStop(List<WorkerSnapshot> before, List<WorkerSnapshot> after, long startNanos,
                           Duration gracePeriod) {
        int running = before.stream().mapToInt(WorkerSnapshot::running).sum();
        long ended = before.stream().mapToLong(w -> w.done() + w.failed()).sum();
        long endedSince = after.stream().mapToLong(w -> w.done() + w.failed()).sum() - ended;
        String line = "Apiary monitor stopped on JVM shutdown after " + (System.nanoTime() - startNanos) / 1_000_000
                + " ms: " + running + " jobs were running, " + endedSince + " finished within the grace period ("
                + gracePeriod + "), the rest were handed back";
        LOG.info(line);
        @SuppressWarnings("resource") // the process's own stderr: never closed
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        err.println(Instant.now() + " INFO [" + ContainerMonitor.class.getName() + "] " + line);
    }
}
