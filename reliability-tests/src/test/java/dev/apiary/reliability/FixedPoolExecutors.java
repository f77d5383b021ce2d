package dev.apiary.reliability;

import dev.apiary.impl.cdi.ContainerExecutors;
import dev.apiary.impl.monitor.DaemonThreads;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.interceptor.Interceptor;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A node's job executor with a fixed number of threads ({@code -Dnode.job-threads=N}), as a server's managed
 * executor has (WildFly's default: 4 on 2 cores), in place of the unbounded stand-in pool of a node without JNDI.
 * {@link WorkerNode} adds it only when a scenario sets the property.
 */
@Alternative
@Priority(Interceptor.Priority.APPLICATION)
@ApplicationScoped
public class FixedPoolExecutors extends ContainerExecutors {

    static final String THREADS = "node.job-threads";

    private final ExecutorService pool = Executors.newFixedThreadPool(Integer.getInteger(THREADS, 1),
            DaemonThreads.named("node-job"));

    @Override
    public Executor jobs() {
        return pool;
    }

    @Override
    public synchronized void shutdownOwned() {
        pool.shutdownNow();
        super.shutdownOwned();
    }
}
