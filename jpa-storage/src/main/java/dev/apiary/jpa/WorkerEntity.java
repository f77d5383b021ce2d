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

    @Column(name = "host", length = 255)
    String host;

    @Column(name = "started_at", nullable = false)
    LocalDateTime startedAt;

    @Column(name = "last_heartbeat", nullable = false)
    LocalDateTime lastHeartbeat;

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
