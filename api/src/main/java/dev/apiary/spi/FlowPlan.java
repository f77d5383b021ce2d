package dev.apiary.spi;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.flow.FlowKind;

import java.util.List;
import java.util.Objects;

/**
 * What a storage stores when a flow starts ({@link JobStorage#startFlow}): every step's job, the steps it waits for,
 * and how its payload is made when they have finished. Steps come parents first.
 *
 * @param id    the flow's id (a job id)
 * @param kind  batch or workflow
 * @param name  the name it was started with
 * @param steps every step, parents before children
 */
public record FlowPlan(String id, FlowKind kind, String name, List<Step> steps) {

    /** The metadata key a flow's jobs carry, whose value is the flow's id. */
    public static final String METADATA_KEY = "apiary.flow";

    public FlowPlan {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        steps = List.copyOf(steps);
    }

    /**
     * One step's job.
     *
     * @param name              unique within the flow
     * @param storage           the storage of the step's queue
     * @param payload           a step without parents: its payload
     * @param options           its job options
     * @param after             the names of the steps it waits for
     * @param input             how its payload is made from its parents'
     * @param continueOnFailure whether it is released also when a parent does not end done (otherwise it is cancelled)
     */
    public record Step(String name, JobStorage<?> storage, Object payload, JobOptions options, List<String> after,
                       Input input, boolean continueOnFailure) {

        public Step {
            after = List.copyOf(after);
        }
    }

    /** How a waiting step's payload is made from the jobs it waits for. */
    public enum Input {
        /** Given at the start: the step has no parents. */
        GIVEN,
        /** The one parent's result, as it is ({@code null} when it has none). */
        RESULT,
        /** A JSON object with each parent's result under its step name. */
        RESULTS,
        /** A {@link dev.apiary.flow.BatchSummary} of the parents: which ended done, which did not. */
        SUMMARY;

        /**
         * The payload of a step released now, as JSON, from its parents in the order they were given. Step names are
         * letters, digits and {@code _ . -}, and ids are job ids, so neither needs escaping.
         */
        public String payload(String flowId, List<Parent> parents) {
            switch (this) {
                case RESULT:
                    return parents.size() == 1 ? resultOf(parents.get(0)) : RESULTS.payload(flowId, parents);
                case RESULTS: {
                    StringBuilder json = new StringBuilder("{");
                    for (Parent parent : parents) {
                        json.append(json.length() > 1 ? "," : "").append('"').append(parent.step()).append("\":")
                                .append(resultOf(parent));
                    }
                    return json.append('}').toString();
                }
                case SUMMARY: {
                    StringBuilder succeeded = new StringBuilder();
                    StringBuilder failed = new StringBuilder();
                    for (Parent parent : parents) {
                        StringBuilder list = parent.status() == JobStatus.DONE ? succeeded : failed;
                        list.append(list.length() > 0 ? "," : "").append('"').append(parent.jobId()).append('"');
                    }
                    return "{\"batchId\":\"" + flowId + "\",\"succeeded\":[" + succeeded + "],\"failed\":["
                            + failed + "]}";
                }
                default:
                    throw new IllegalStateException("A step with a given input does not wait");
            }
        }

        private static String resultOf(Parent parent) {
            return parent.status() == JobStatus.DONE && parent.result() != null ? parent.result() : "null";
        }
    }

    /**
     * A finished job a waiting step depended on.
     *
     * @param step   its step name
     * @param jobId  its job id
     * @param status its final status
     * @param result its stored result (JSON), or {@code null}
     */
    public record Parent(String step, String jobId, JobStatus status, String result) {
    }
}
