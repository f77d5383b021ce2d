package dev.apiary.jpa;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.LocalDateTime;

/**
 * The shared state of one recurring schedule, table {@code apiary_schedules}: its last fire and whether it is
 * paused. Times are UTC, as in {@link JobEntity}, from the database's clock.
 */
// never cached: fires change rows with bulk statements that no cache sees
@Cacheable(false)
@Entity(name = "ApiarySchedule")
@Table(name = "apiary_schedules")
public class ScheduleEntity {

    @Id
    @Column(name = "name", length = 150, nullable = false)
    String name;

    /** The queue the schedule pushes to. */
    @Column(name = "queue", length = 200, nullable = false)
    String queue;

    @Column(name = "last_fire", nullable = false)
    LocalDateTime lastFire;

    @Column(name = "paused", nullable = false)
    boolean paused;

    @Column(name = "updated_at", nullable = false)
    LocalDateTime updatedAt;

    /** For JPA. */
    protected ScheduleEntity() {
    }

    ScheduleEntity(String name, String queue, LocalDateTime lastFire) {
        this.name = name;
        this.queue = queue;
        this.lastFire = lastFire;
        this.updatedAt = lastFire;
    }

    public String getName() {
        return name;
    }

    public String getQueue() {
        return queue;
    }

    public LocalDateTime getLastFire() {
        return lastFire;
    }

    public boolean isPaused() {
        return paused;
    }

    public LocalDateTime getUpdatedAt() {
        return updatedAt;
    }
}
