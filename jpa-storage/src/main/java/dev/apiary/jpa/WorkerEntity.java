package dev.apiary.jpa;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.LocalDateTime;

/**
 * A worker instance that heartbeats, table {@code apiary_workers}: what reenqueueing orphans checks and what a dashboard
 * lists. Times are UTC, as in {@link JobEntity}.
 */
// never cached: claims and settlements change rows with bulk and native statements that no cache sees
@Cacheable(false)
@Entity(name = "ApiaryWorker")
@Table(name = "apiary_workers")
public class WorkerEntity {

    @Id
    @Column(name = "id", length = 200, nullable = false)
    String id;

    /** The queue the worker claims from (the first one it heartbeat through). */
    @Column(name = "queue", length = 200, nullable = false)
    String queue;

    /** The node's name ({@link dev.apiary.spi.NodeIdentity}: host and server, or host and process). */
    @Column(name = "host", length = 255)
    String host;

    @Column(name = "started_at", nullable = false)
    LocalDateTime startedAt;

    @Column(name = "last_heartbeat", nullable = false)
    LocalDateTime lastHeartbeat;

    /** What the instance reported at its last heartbeat; {@code null} when it reported only its id. */
    @Column(name = "worker_name", length = 200)
    String workerName;

    @Column(name = "worker_state", length = 16)
    String workerState;

    @Column(name = "running_jobs")
    Integer runningJobs;

    @Column(name = "done_jobs")
    Long doneJobs;

    @Column(name = "failed_jobs")
    Long failedJobs;

    /** The lease the instance gave with its last heartbeat, in milliseconds; {@code null} when it gave none. */
    @Column(name = "lease_ms")
    Long leaseMillis;

    /** For JPA. */
    protected WorkerEntity() {
    }

    WorkerEntity(String id, String queue, String host, LocalDateTime now) {
        this.id = id;
        this.queue = queue;
        this.host = host;
        this.startedAt = now;
        this.lastHeartbeat = now;
    }

    public String getId() {
        return id;
    }

    public String getQueue() {
        return queue;
    }

    public String getHost() {
        return host;
    }

    public LocalDateTime getStartedAt() {
        return startedAt;
    }

    public LocalDateTime getLastHeartbeat() {
        return lastHeartbeat;
    }
}
