package dev.apiary.jpa;

import dev.apiary.JobStatus;
import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

import java.time.LocalDateTime;

/**
 * One stored job, table {@code apiary_jobs}. List it (with {@link WorkerEntity}) in the persistence unit that the
 * storage uses. Times are UTC wall-clock {@link LocalDateTime}s, the one temporal type that JPA 3.1, Hibernate,
 * EclipseLink and every JDBC driver map the same way; the storage converts them to and from {@code Instant}.
 *
 * <p>{@code activeKey} is the unique key while the job is not final and {@code null} afterwards: a plain unique
 * constraint on {@code (queue, active_key)} then gives "unique while not final" on databases without partial
 * indexes. Applications read jobs through {@link dev.apiary.spi.JobStorage}, not through this entity.
 */
// never cached: claims and settlements change rows with bulk and native statements that no cache sees
@Cacheable(false)
@Entity(name = "ApiaryJob")
@Table(name = "apiary_jobs",
        indexes = @Index(name = "apiary_jobs_claim", columnList = "queue, status, priority DESC, run_at"),
        uniqueConstraints = @UniqueConstraint(name = "apiary_jobs_active_key", columnNames = {"queue", "active_key"}))
public class JobEntity {

    @Id
    @Column(name = "id", length = 36, nullable = false)
    String id;

    @Column(name = "queue", length = 200, nullable = false)
    String queue;

    /** JSON text; no {@code @Lob}, which Hibernate maps to PostgreSQL large objects. */
    @Column(name = "payload", length = 1_000_000, nullable = false)
    String payload;

    @Column(name = "payload_type", length = 500, nullable = false)
    String payloadType;

    @Enumerated(EnumType.STRING)
    @Column(name = "status", length = 16, nullable = false)
    JobStatus status;

    @Column(name = "attempts", nullable = false)
    int attempts;

    @Column(name = "max_attempts", nullable = false)
    int maxAttempts;

    @Column(name = "run_at", nullable = false)
    LocalDateTime runAt;

    @Column(name = "priority", nullable = false)
    int priority;

    @Column(name = "worker_id", length = 200)
    String workerId;

    @Column(name = "locked_at")
    LocalDateTime lockedAt;

    @Column(name = "last_error", length = 1_000_000)
    String lastError;

    @Column(name = "enqueued_at", nullable = false)
    LocalDateTime enqueuedAt;

    @Column(name = "finished_at")
    LocalDateTime finishedAt;

    @Column(name = "unique_key", length = 200)
    String uniqueKey;

    @Column(name = "active_key", length = 200)
    String activeKey;

    /** User metadata as a JSON object, or {@code null} when there is none. */
    @Column(name = "metadata", length = 1_000_000)
    String metadata;

    /** The last progress the running job reported (0 to 100), or {@code null}. */
    @Column(name = "progress")
    Integer progress;

    @Column(name = "progress_message", length = 200)
    String progressMessage;

    @Column(name = "progress_at")
    LocalDateTime progressAt;

    /** A done job's result as JSON, or {@code null}. */
    @Column(name = "result", length = 1_000_000)
    String result;

    /** The node and worker instance of the last claim; unlike the worker id, kept once the job ends. */
    @Column(name = "attempt_node", length = 255)
    String attemptNode;

    @Column(name = "attempt_worker_id", length = 200)
    String attemptWorkerId;

    /** The job's key under its queue's partitioned limits ({@code JobStorage.limit}), or {@code null}. */
    @Column(name = "partition_key", length = 200)
    String partitionKey;

    /** Who cancelled a cancelled job, or {@code null}. */
    @Column(name = "cancelled_by", length = 200)
    String cancelledBy;

    /** For JPA. */
    protected JobEntity() {
    }

    JobEntity(String id, String queue) {
        this.id = id;
        this.queue = queue;
    }

    public String getId() {
        return id;
    }

    public String getQueue() {
        return queue;
    }

    public JobStatus getStatus() {
        return status;
    }
}
