package dev.apiary.impl.worker;

import dev.apiary.impl.clock.EngineClock;
import dev.apiary.spi.JobSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Orphan recovery, once per node: for each source the node's workers claim from, one task puts back to pending the
 * jobs of workers (on any node) whose heartbeat is older than the lease. It runs every heartbeat interval, and only
 * while one of this node's instances on that source has heartbeat without a break for a whole lease: right after
 * start-up or an outage every other worker looks silent too (it could not heartbeat either), and recovering its
 * jobs would run them twice though their outcomes are about to be settled.
 *
 * <p>A sweep runs on the monitor's scheduler, never on the job executor: queued behind long jobs, it would judge
 * others late, and on the node whose pool is full the same queue holds back its heartbeats, which is worse. Each
 * group's sweeps never overlap (a fixed-delay schedule), so a database that hangs holds one scheduler thread per
 * group.
 */
public final class OrphanSweep {

    private static final Logger LOG = Logger.getLogger(OrphanSweep.class.getName());

    /** What the sweep asks of each of the node's instances. */
    public interface Witness {
        /** The instance's worker: its source, lease and heartbeat interval. */
        WorkerDefinition<?> definition();

        /**
         * Whether the instance's heartbeats got through without a break for {@code lease} up to {@code now} (the
         * engine's monotonic clock).
         */
        boolean heartbeatUnbrokenFor(Duration lease, long now);
    }

    private final List<Group> groups;
    private final ScheduledExecutorService scheduler;
    private final EngineClock clock;
    /** The schedules; written by start and stop (the monitor's lifecycle). */
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    /** One sweep for each distinct source (by identity) and lease among {@code instances}. */
    public OrphanSweep(List<? extends Witness> instances, ScheduledExecutorService scheduler, EngineClock clock) {
        this.scheduler = scheduler;
        this.clock = clock;
        // in the order first seen, so that sweeps start in the order of registration
        Map<JobSource<?>, Map<Duration, List<Witness>>> bySource = new IdentityHashMap<>();
        List<List<Witness>> all = new ArrayList<>();
        for (Witness instance : instances) {
            WorkerDefinition<?> def = instance.definition();
            if (def.lease().isZero()) {
                continue;
            }
            bySource.computeIfAbsent(def.source(), s -> new HashMap<>()).computeIfAbsent(def.lease(), lease -> {
                List<Witness> members = new ArrayList<>();
                all.add(members);
                return members;
            }).add(instance);
        }
        this.groups = all.stream().map(members -> new Group(members, clock)).toList();
    }

    public synchronized void start() {
        for (Group group : groups) {
            tasks.add(scheduler.scheduleWithFixedDelay(group::sweep, group.interval.toNanos(),
                    group.interval.toNanos(), TimeUnit.NANOSECONDS));
        }
    }

    /**
     * Sweeps every group once, now, on the calling thread, as the schedule would: only where one of this node's
     * instances has heartbeat without a break for a whole lease. For tests that step time.
     */
    public void sweepNow() {
        for (Group group : groups) {
            group.sweep();
        }
    }

    /** How many sweeps may run at once: one for each source and lease. */
    public int groups() {
        return groups.size();
    }

    public synchronized void stop() {
        tasks.forEach(t -> t.cancel(false));
        tasks.clear();
    }

    /** The instances of one node on one source with one lease. */
    private static final class Group {
        private final JobSource<?> source;
        private final Duration lease;
        /** The shortest heartbeat interval of the group's workers. */
        private final Duration interval;
        private final List<Witness> instances;
        private final EngineClock clock;
        /** Whether the last sweep failed, so an outage is logged once; written and read by the sweep. */
        private volatile boolean failing;

        /** A group of {@code instances}, all on one source with one lease. */
        Group(List<Witness> instances, EngineClock clock) {
            WorkerDefinition<?> first = instances.get(0).definition();
            this.source = first.source();
            this.lease = first.lease();
            this.instances = List.copyOf(instances);
            this.interval = instances.stream().map(i -> i.definition().heartbeatInterval())
                    .min(Duration::compareTo).orElseThrow();
            this.clock = clock;
        }

        void sweep() {
            try {
                long now = clock.nanoTime();
                if (instances.stream().noneMatch(i -> i.heartbeatUnbrokenFor(lease, now))) {
                    return;
                }
                int reenqueued = source.reenqueueOrphans(lease);
                if (failing) {
                    failing = false;
                    LOG.info(() -> "Reenqueueing orphaned jobs of queue '" + source.queue() + "' works again");
                }
                if (reenqueued > 0) {
                    LOG.info(() -> "Reenqueued " + reenqueued + " orphaned jobs of queue '" + source.queue()
                            + "': their workers missed the lease of " + lease);
                }
            } catch (RuntimeException | Error e) {
                // once per outage: the next sweep tries again (an Error too: it would end the schedule for good)
                LOG.log(failing ? Level.FINE : Level.WARNING, "Cannot reenqueue orphaned jobs of queue '"
                        + source.queue() + "'; tries again every " + interval, e);
                failing = true;
            }
        }
    }
}
