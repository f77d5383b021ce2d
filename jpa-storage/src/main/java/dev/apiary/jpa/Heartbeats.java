package dev.apiary.jpa;

import dev.apiary.spi.WorkerRecord;
import dev.apiary.worker.WorkerSnapshot;

import jakarta.persistence.EntityManager;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The liveness of the job storage of one queue: the heartbeats that keep worker rows in {@code apiary_workers} fresh
 * (and purge stale ones), the list of worker instances, and the readiness check of the database. Heartbeats and the
 * check run within the storage's statement and lock timeouts.
 */
final class Heartbeats {

    /** The storage's logger: operators configure one name for the whole storage. */
    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());

    private final String queue;
    private final WorkerTable table;
    private final StorageTransactions transactions;
    private final Clock clock;
    private final String node;
    private final Duration workerRetention;
    /** System.nanoTime() of the last purge of stale worker rows by this storage; 0 before the first. */
    private volatile long workersPurgedAt;

    Heartbeats(String queue, WorkerTable table, StorageTransactions transactions, Clock clock, String node,
               Duration workerRetention) {
        this.queue = queue;
        this.table = table;
        this.transactions = transactions;
        this.clock = clock;
        this.node = node;
        this.workerRetention = workerRetention;
    }

    void heartbeat(String workerId) {
        Objects.requireNonNull(workerId, "workerId");
        record("record the heartbeat of worker '" + workerId + "'", transactions.bounded(em -> {
            table.heartbeat(em, workerId, node, this::now);
            return null;
        }));
    }

    /** At most once per tenth of the worker retention, also removes rows (of any queue) not seen for all of it. */
    void heartbeat(WorkerSnapshot instance, Duration lease) {
        Objects.requireNonNull(instance, "instance");
        long now = System.nanoTime();
        long purged = workersPurgedAt;
        boolean purge = purged == 0 || now - purged >= workerRetention.toNanos() / 10;
        if (purge) {
            workersPurgedAt = now;
        }
        record("record the heartbeat of worker '" + instance.instanceId() + "'",
                transactions.bounded(em -> {
                    table.heartbeat(em, instance, lease, node, this::now);
                    if (purge) {
                        table.purgeWorkers(em, JobTable.utc(clock.instant().minus(workerRetention)));
                    }
                    return null;
                }));
    }

    /**
     * Runs a heartbeat's transaction, once more when it found no row and inserted one that another heartbeat of the
     * same instance (a stop's farewell beside the last scheduled beat, say) inserted meanwhile: the row is there now,
     * and the second try updates it.
     */
    private void record(String what, Function<EntityManager, Void> work) {
        try {
            transactions.run(what, work);
        } catch (RuntimeException e) {
            if (!DatabaseFailures.isDuplicateKey(e) || transactions.joinsCaller()) {
                throw e;
            }
            transactions.run(what, work);
        }
    }

    /** The rows as seen now by the storage's clock: an instance silent for longer than its lease shows as lost. */
    List<WorkerRecord> workers() {
        return transactions.run("list workers", em -> {
            var now = clock.instant();
            return table.workers(em).stream().map(w -> new WorkerRecord(w.id,
                    w.workerName, w.queue, w.host, w.workerState, w.runningJobs == null ? 0 : w.runningJobs,
                    w.doneJobs == null ? 0 : w.doneJobs, w.failedJobs == null ? 0 : w.failedJobs,
                    JobTable.instant(w.startedAt), JobTable.instant(w.lastHeartbeat))
                    .seenAt(now, w.leaseMillis == null ? null : Duration.ofMillis(w.leaseMillis))).toList();
        });
    }

    /** Whether a cheap query on the tables answers within the timeouts. */
    boolean isAvailable() {
        try {
            transactions.run("check the database", transactions.bounded(em -> {
                table.ping(em);
                return null;
            }));
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Job storage of queue '" + queue + "' is not available", e);
            return false;
        }
    }

    private LocalDateTime now() {
        return JobTable.utc(clock.instant());
    }
}
