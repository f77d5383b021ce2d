package dev.apiary.flow;

import java.util.List;

/**
 * The payload of a batch's callback job: which of the batch's jobs ended done and which did not (failed on their last
 * attempt, killed or cancelled), in the order they were pushed. A callback handler takes it as its payload type.
 *
 * @param batchId   the batch's id, as {@link Flows#batch} returned it
 * @param succeeded ids of the jobs that ended done
 * @param failed    ids of the jobs that ended failed, killed or cancelled
 */
public record BatchSummary(String batchId, List<String> succeeded, List<String> failed) {

    public BatchSummary {
        succeeded = succeeded == null ? List.of() : List.copyOf(succeeded);
        failed = failed == null ? List.of() : List.copyOf(failed);
    }
}
