package dev.apiary.impl.storage;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.flow.FlowKind;
import dev.apiary.flow.FlowView;
import dev.apiary.flow.WorkflowException;
import dev.apiary.spi.FlowPlan;
import dev.apiary.spi.StoredJob;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The flows of every {@link InMemoryStorage} of the process: which job waits for which, and how many of its parents
 * are still unfinished. One lock guards it; it takes a storage's lock inside its own and a storage never calls it
 * while holding its own lock, so the two cannot deadlock. A step is released or cancelled once, under this lock.
 */
final class InMemoryFlows {

    static final InMemoryFlows SHARED = new InMemoryFlows();

    private final Object lock = new Object();
    private final Map<String, Flow> flows = new HashMap<>();
    /** Every job of a flow, by job id. */
    private final Map<String, Node> nodes = new HashMap<>();

    private record Flow(String id, FlowKind kind, String name, Instant createdAt, List<Node> steps) {
    }

    private static final class Node {
        final String flowId;
        final String step;
        final InMemoryStorage<?> storage;
        final FlowPlan.Input input;
        final boolean continueOnFailure;
        final List<Node> parents = new ArrayList<>();
        final List<Node> children = new ArrayList<>();
        String jobId;
        int remaining;
        /** Whether its end has been passed on to its children. */
        boolean finished;
        /** Whether, waiting, it has been released or cancelled. */
        boolean decided;

        Node(String flowId, FlowPlan.Step step) {
            this.flowId = flowId;
            this.step = step.name();
            this.storage = (InMemoryStorage<?>) step.storage();
            this.input = step.input();
            this.continueOnFailure = step.continueOnFailure();
        }
    }

    Map<String, String> start(FlowPlan plan, Instant now) {
        for (FlowPlan.Step step : plan.steps()) {
            if (!(step.storage() instanceof InMemoryStorage<?>)) {
                throw new WorkflowException("Flow '" + plan.name() + "': step '" + step.name() + "' runs in queue '"
                        + step.storage().queue() + "', whose storage (" + step.storage().getClass().getName()
                        + ") is not in memory; the queues of one flow must share one storage kind and database");
            }
        }
        synchronized (lock) {
            Map<String, Node> byStep = new LinkedHashMap<>();
            for (FlowPlan.Step step : plan.steps()) {
                Node node = new Node(plan.id(), step);
                for (String parent : step.after()) {
                    Node p = byStep.get(parent);
                    node.parents.add(p);
                    p.children.add(node);
                }
                node.remaining = node.parents.size();
                byStep.put(step.name(), node);
            }
            // waiting steps first, so that a root that ends at once finds its children stored; its end waits for this
            // lock anyway
            Map<String, String> ids = new LinkedHashMap<>();
            for (FlowPlan.Step step : plan.steps()) {
                if (!step.after().isEmpty()) {
                    byStep.get(step.name()).jobId = byStep.get(step.name()).storage.addFlowJob(null,
                            marked(step.options(), plan.id()), true);
                }
            }
            for (FlowPlan.Step step : plan.steps()) {
                Node node = byStep.get(step.name());
                if (step.after().isEmpty()) {
                    node.jobId = node.storage.addFlowJob(step.payload(), marked(step.options(), plan.id()), false);
                }
                nodes.put(node.jobId, node);
                ids.put(step.name(), node.jobId);
            }
            flows.put(plan.id(), new Flow(plan.id(), plan.kind(), plan.name(), now, List.copyOf(byStep.values())));
            return ids;
        }
    }

    static JobOptions marked(JobOptions options, String flowId) {
        return (options == null ? JobOptions.defaults() : options).withMetadata(FlowPlan.METADATA_KEY, flowId);
    }

    /** Passes the end of these jobs on to the steps waiting for them, and theirs on in turn. */
    void finished(Collection<String> jobIds) {
        synchronized (lock) {
            Deque<String> ended = new ArrayDeque<>(jobIds);
            while (!ended.isEmpty()) {
                Node node = nodes.get(ended.poll());
                if (node == null || node.finished) {
                    continue;
                }
                Optional<? extends StoredJob<?>> job = node.storage.find(node.jobId);
                if (job.isEmpty() || !job.get().status().isFinal()) {
                    continue;
                }
                node.finished = true;
                JobStatus status = job.get().status();
                for (Node child : node.children) {
                    child.remaining--;
                    if (child.decided) {
                        continue;
                    }
                    if (status != JobStatus.DONE && !child.continueOnFailure) {
                        child.decided = true;
                        if (child.storage.cancelWaiting(child.jobId, "Step '" + node.step + "' (job " + node.jobId
                                + ") it runs after ended " + status)) {
                            ended.add(child.jobId);
                        }
                    } else if (child.remaining == 0) {
                        child.decided = true;
                        List<FlowPlan.Parent> parents = new ArrayList<>();
                        for (Node parent : child.parents) {
                            StoredJob<?> stored = parent.storage.find(parent.jobId).orElse(null);
                            parents.add(new FlowPlan.Parent(parent.step, parent.jobId,
                                    stored == null ? JobStatus.CANCELLED : stored.status(),
                                    stored == null ? null : stored.result()));
                        }
                        child.storage.releaseWaiting(child.jobId, child.input.payload(child.flowId, parents));
                        // a step killed because its payload does not decode ends here
                        ended.add(child.jobId);
                    }
                }
            }
        }
    }

    Optional<FlowView> view(String flowId) {
        synchronized (lock) {
            Flow flow = flows.get(flowId);
            if (flow == null) {
                return Optional.empty();
            }
            List<FlowView.Step> steps = new ArrayList<>();
            for (Node node : flow.steps()) {
                node.storage.find(node.jobId).ifPresent(job -> steps.add(new FlowView.Step(node.step, node.jobId,
                        node.storage.queue(), job.status(),
                        node.parents.stream().map(p -> p.step).toList())));
            }
            return Optional.of(new FlowView(flow.id(), flow.kind(), flow.name(), flow.createdAt(), steps));
        }
    }
}
