package dev.apiary.jpa;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.util.Objects;

/**
 * A dependency of a flow's job on another, table {@code apiary_flow_edges}. For JPA schema generation only (see
 * {@link FlowEntity}).
 */
@Cacheable(false)
@Entity(name = "ApiaryFlowEdge")
@Table(name = "apiary_flow_edges", indexes = @Index(name = "apiary_flow_edges_child", columnList = "child_id, position"))
@IdClass(FlowEdgeEntity.Key.class)
public class FlowEdgeEntity {

    @Id
    @Column(name = "parent_id", length = 36, nullable = false)
    String parentId;

    @Id
    @Column(name = "child_id", length = 36, nullable = false)
    String childId;

    /** The parent's place among the child's parents. */
    @Column(name = "position", nullable = false)
    int position;

    @Column(name = "parent_step", length = 100, nullable = false)
    String parentStep;

    /** 1 once the parent's end has been passed on to the child. */
    @Column(name = "parent_final", nullable = false)
    int parentFinal;

    /** For JPA. */
    protected FlowEdgeEntity() {
    }

    /** The primary key: JPA requires a serializable key class; it is never serialized by Apiary. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        String parentId;
        String childId;

        public Key() {
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(parentId, k.parentId) && Objects.equals(childId, k.childId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(parentId, childId);
        }
    }
}
