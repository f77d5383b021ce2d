package dev.apiary.jpa;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

/**
 * A job of a flow, table {@code apiary_flow_jobs}: its step and, while it waits, how many of its parents are
 * unfinished. For JPA schema generation only (see {@link FlowEntity}).
 */
@Cacheable(false)
@Entity(name = "ApiaryFlowJob")
@Table(name = "apiary_flow_jobs", indexes = @Index(name = "apiary_flow_jobs_flow", columnList = "flow_id, position"))
public class FlowJobEntity {

    @Id
    @Column(name = "job_id", length = 36, nullable = false)
    String jobId;

    @Column(name = "flow_id", length = 36, nullable = false)
    String flowId;

    @Column(name = "position", nullable = false)
    int position;

    @Column(name = "step", length = 100, nullable = false)
    String step;

    @Column(name = "queue", length = 200, nullable = false)
    String queue;

    @Column(name = "remaining", nullable = false)
    int remaining;

    @Column(name = "input", length = 16, nullable = false)
    String input;

    @Column(name = "continue_on_failure", nullable = false)
    int continueOnFailure;

    /** For JPA. */
    protected FlowJobEntity() {
    }
}
