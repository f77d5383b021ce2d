package dev.apiary.jpa;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.util.Objects;

/**
 * The claim lock and rate counts of a queue with limits, table {@code apiary_queue_limits}: a row for the queue
 * (empty key), which every limited claim locks first, and a row per partition key with a rate per key. The storage
 * reads and writes the table with native statements ({@link LimitedClaims}); the entity is here so that JPA schema
 * generation creates the table too.
 */
@Cacheable(false)
@Entity(name = "ApiaryQueueLimit")
@Table(name = "apiary_queue_limits")
@IdClass(QueueLimitEntity.Key.class)
public class QueueLimitEntity {

    @Id
    @Column(name = "queue", length = 200, nullable = false)
    String queue;

    /** The partition key, or empty for the queue's own row. */
    @Id
    @Column(name = "partition_key", length = 200, nullable = false)
    String partitionKey;

    /** The rate period the count is of: milliseconds since the epoch divided by the period. */
    @Column(name = "period_index", nullable = false)
    long periodIndex;

    /** Jobs started in that period. */
    @Column(name = "starts", nullable = false)
    int starts;

    /** For JPA. */
    protected QueueLimitEntity() {
    }

    /** The primary key, as JPA's id class requires (the storage never serializes it). */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        String queue;
        String partitionKey;

        /** For JPA. */
        public Key() {
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(queue, k.queue) && Objects.equals(partitionKey, k.partitionKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(queue, partitionKey);
        }
    }
}
