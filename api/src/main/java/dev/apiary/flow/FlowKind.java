package dev.apiary.flow;

/** What a stored flow is. */
public enum FlowKind {
    /** Many jobs of one queue and, once all have finished, one callback job with a {@link BatchSummary}. */
    BATCH,
    /** Named steps with dependencies ({@link Workflow}); a chain is a workflow whose steps form a line. */
    WORKFLOW
}
