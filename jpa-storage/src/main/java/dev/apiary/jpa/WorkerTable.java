package dev.apiary.jpa;

import dev.apiary.worker.WorkerSnapshot;
import jakarta.persistence.EntityManager;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.function.Supplier;

/**
 * Every statement the storage of one queue runs on {@code apiary_workers}: the rows that worker instances keep alive
 * with their heartbeats, which the orphan sweep of {@link JobTable} reads. The same JPQL on every database; each
 * method works inside the transaction of the {@link EntityManager} it is given.
 */
final class WorkerTable {

    private final String queue;

    WorkerTable(String queue) {
        this.queue = queue;
    }

    /** Creates or refreshes the worker's row; reads the clock only once the statement is ready to run. */
    void heartbeat(EntityManager em, String workerId, String host, Supplier<LocalDateTime> clock) {
        var update = em.createQuery("UPDATE ApiaryWorker w SET w.lastHeartbeat = :now WHERE w.id = :id")
                .setParameter("id", workerId);
        if (update.setParameter("now", clock.get()).executeUpdate() == 0) {
            em.persist(new WorkerEntity(workerId, queue, host, clock.get()));
        }
    }

    /** Creates or refreshes an instance's row with what it reports; reads the clock once the statement is ready. */
    void heartbeat(EntityManager em, WorkerSnapshot instance, Duration lease, String host,
                   Supplier<LocalDateTime> clock) {
        Long leaseMillis = lease == null ? null : lease.toMillis();
        String state = instance.state() == null ? null : instance.state().name();
        var update = em.createQuery("UPDATE ApiaryWorker w SET w.lastHeartbeat = :now, w.workerName = :name, "
                        + "w.workerState = :state, w.runningJobs = :running, w.doneJobs = :done, "
                        + "w.failedJobs = :failed, w.leaseMillis = :lease WHERE w.id = :id")
                .setParameter("id", instance.instanceId()).setParameter("name", instance.worker())
                .setParameter("state", state).setParameter("running", instance.running())
                .setParameter("done", instance.done()).setParameter("failed", instance.failed())
                .setParameter("lease", leaseMillis);
        if (update.setParameter("now", clock.get()).executeUpdate() == 0) {
            WorkerEntity row = new WorkerEntity(instance.instanceId(), queue, host, clock.get());
            row.workerName = instance.worker();
            row.workerState = state;
            row.runningJobs = instance.running();
            row.doneJobs = instance.done();
            row.failedJobs = instance.failed();
            row.leaseMillis = leaseMillis;
            em.persist(row);
        }
    }

    /** Removes the rows of instances of any queue not seen since {@code before}. */
    int purgeWorkers(EntityManager em, LocalDateTime before) {
        return em.createQuery("DELETE FROM ApiaryWorker w WHERE w.lastHeartbeat < :before")
                .setParameter("before", before).executeUpdate();
    }

    List<WorkerEntity> workers(EntityManager em) {
        return em.createQuery("SELECT w FROM ApiaryWorker w WHERE w.queue = :queue ORDER BY w.id",
                WorkerEntity.class).setParameter("queue", queue).getResultList();
    }

    /** A cheap query that fails when the database or the tables are missing. */
    void ping(EntityManager em) {
        em.createQuery("SELECT COUNT(w) FROM ApiaryWorker w WHERE w.id = ''", Long.class).getSingleResult();
    }
}
