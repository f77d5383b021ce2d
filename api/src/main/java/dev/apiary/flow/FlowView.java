package dev.apiary.flow;

import dev.apiary.JobStatus;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A batch or workflow as stored now, with each step's job and state: its progress.
 *
 * @param id        the flow's id
 * @param kind      batch or workflow
 * @param name      the name it was started with
 * @param createdAt when it was started
 * @param steps     every step in the order it was given (a batch's jobs, then its callback, named {@code callback})
 */
public record FlowView(String id, FlowKind kind, String name, Instant createdAt, List<Step> steps) {

    public FlowView {
        steps = List.copyOf(steps);
    }

    /**
     * One step.
     *
     * @param name   the step's name (a batch's jobs are {@code 0}, {@code 1}, ...)
     * @param jobId  the id of the step's job, readable through its queue's storage
     * @param queue  the queue the job runs in
     * @param status the job's status; {@link JobStatus#WAITING} until the jobs it depends on have finished
     * @param after  the steps it depends on
     */
    public record Step(String name, String jobId, String queue, JobStatus status, List<String> after) {

        public Step {
            after = List.copyOf(after);
        }
    }

    /** How many steps are in each status; every status is present. */
    public Map<JobStatus, Long> counts() {
        Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
        for (JobStatus status : JobStatus.values()) {
            counts.put(status, 0L);
        }
        steps.forEach(step -> counts.merge(step.status(), 1L, Long::sum));
        return counts;
    }

    /** Whether every step has reached a final status. */
    public boolean isFinished() {
        return steps.stream().allMatch(step -> step.status().isFinal());
    }

    /** The step named {@code name}. */
    public Step step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("Flow " + id + " has no step '" + name + "'"));
    }
}
