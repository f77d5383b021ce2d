package dev.apiary.impl.monitor;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Threads for running outside a container: daemons, so that they never keep a JVM alive, named for thread dumps. */
public final class DaemonThreads {

    /** Set on the threads made here, so that a stop running on one does not wait for its own pool to end. */
    private static final ThreadLocal<Boolean> OURS = new ThreadLocal<>();

    private DaemonThreads() {
    }

    /** A factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ... */
    public static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(() -> {
                OURS.set(Boolean.TRUE);
                r.run();
            }, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Whether the calling thread was made by one of these factories. */
    public static boolean isCurrent() {
        return OURS.get() != null;
    }
}
