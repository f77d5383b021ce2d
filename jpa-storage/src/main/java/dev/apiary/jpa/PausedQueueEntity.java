package dev.apiary.jpa;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.LocalDateTime;

/**
 * A paused queue, table {@code apiary_paused_queues}: while its row exists no node claims from the queue. The storage
 * reads and writes the table with native statements ({@link PausedQueues}); the entity is here so that JPA schema
 * generation creates the table too.
 */
@Cacheable(false)
@Entity(name = "ApiaryPausedQueue")
@Table(name = "apiary_paused_queues")
public class PausedQueueEntity {

    @Id
    @Column(name = "queue", length = 200, nullable = false)
    String queue;

    /** When it was paused (UTC). */
    @Column(name = "paused_at", nullable = false)
    LocalDateTime pausedAt;

    /** For JPA. */
    protected PausedQueueEntity() {
    }
}
