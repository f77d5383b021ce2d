package dev.apiary.flow;

import dev.apiary.JobOptions;
import dev.apiary.spi.ApiaryProvider;
import dev.apiary.spi.JobStorage;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Starts chains, batches and workflows over the application's queues, and reads their progress. Every job of one is
 * stored in one transaction when it starts (a step waiting for others as {@link dev.apiary.JobStatus#WAITING}), and
 * each step is released in the transaction that settles the last job it waits for: a crash neither loses nor
 * repeats a step. All queues of one flow must be in one storage (one database, or the in-memory storage).
 * In a CDI application, inject it; in plain Java, {@link #over} the storages.
 */
public interface Flows {

    /**
     * Stores every job of the workflow and returns the workflow's id; the steps without dependencies can run at once.
     *
     * @throws WorkflowException when a step's queue is not one of these storages, or its storage cannot hold flows
     */
    String start(Workflow workflow);

    /**
     * Pushes {@code payloads} to {@code queue} as one batch and returns the batch's id. Once every one of them has
     * finished (done, or failed on its last attempt, killed or cancelled), one job of {@code callbackQueue} is
     * released with a {@link BatchSummary} as its payload, exactly once.
     */
    String batch(String name, String queue, List<?> payloads, JobOptions options, String callbackQueue);

    /** The batch or workflow with that id and the state of each step, or empty when none is stored. */
    Optional<FlowView> find(String id);

    /** Flows over these storages (their queues), which must share one database or all be in memory. */
    static Flows over(Collection<? extends JobStorage<?>> storages) {
        return ApiaryProvider.instance().flows(List.copyOf(storages));
    }

    /** Flows over these storages. */
    static Flows over(JobStorage<?>... storages) {
        return over(List.of(storages));
    }
}
