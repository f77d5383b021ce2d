package dev.apiary.impl.cdi;

import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.impl.monitor.ExecutorCapacity;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/*
 * A warning, not a deployment error: the same WAR must deploy on a server whose default pool is smaller than
 * on the developer's machine (WildFly sizes it from the cores), other applications share the pool, and jobs
 * beyond its threads only wait: the claim is bounded by the configured concurrency, and @Timeout counts from
 * the handler's start, not from the queue. Failing would make the example undeployable on a 2-core WildFly.
 * A pool exactly as large as the total concurrency is warned about too: full of jobs, it runs a worker's claim
 * for a free slot only after some job ends (heartbeats do not wait: they run on the scheduler). So the probe asks
 * for one task more than the total.
 */
/** At start-up, whether the container's executor runs as many jobs at once as the enabled workers may. */
final class ExecutorProbe {

    private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());

    private ExecutorProbe() {
    }

    /** Probes the executor in the background and logs what it found; returns at once. */
    static void probe(ContainerExecutors executors, List<WorkerSettings> enabledWorkers, String executor) {
        List<String> wants = new ArrayList<>();
        int wanted = 0;
        for (WorkerSettings s : enabledWorkers) {
            wanted += s.concurrency() * s.instances();
            wants.add(s.name() + " " + s.instances() + "x" + s.concurrency());
        }
        if (wanted == 0 || ExecutorCapacity.threads(executors.jobs()).isPresent()) {
            // an executor that says how many threads it has: the monitor has compared them already
            return;
        }
        int total = wanted;
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
}
