package dev.apiary.jpa;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.LocalDateTime;

/**
 * A batch or workflow, table {@code apiary_flows}. The storage reads and writes the flow tables with native
 * statements ({@link FlowTable}); the entities are here so that JPA schema generation creates the tables too.
 */
@Cacheable(false)
@Entity(name = "ApiaryFlow")
@Table(name = "apiary_flows")
public class FlowEntity {

    @Id
    @Column(name = "id", length = 36, nullable = false)
    String id;

    @Column(name = "kind", length = 16, nullable = false)
    String kind;

    @Column(name = "name", length = 200, nullable = false)
    String name;

    @Column(name = "created_at", nullable = false)
    LocalDateTime createdAt;

    /** For JPA. */
    protected FlowEntity() {
    }
}
