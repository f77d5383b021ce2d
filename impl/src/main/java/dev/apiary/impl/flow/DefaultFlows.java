package dev.apiary.impl.flow;

import dev.apiary.JobOptions;
import dev.apiary.flow.FlowKind;
import dev.apiary.flow.FlowView;
import dev.apiary.flow.Flows;
import dev.apiary.flow.Workflow;
import dev.apiary.flow.WorkflowException;
import dev.apiary.spi.FlowPlan;
import dev.apiary.spi.JobIds;
import dev.apiary.spi.JobStorage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link Flows} over a set of storages: turns a workflow or batch into a {@link FlowPlan} of the storages of its
 * queues and hands it to one of them, which stores it in one transaction.
 */
public final class DefaultFlows implements Flows {

    private final Supplier<List<JobStorage<?>>> storages;

    /** Over the storages {@code storages} gives each time (the application's may be made lazily). */
    public DefaultFlows(Supplier<List<JobStorage<?>>> storages) {
        this.storages = Objects.requireNonNull(storages, "storages");
    }

    @Override
    public String start(Workflow workflow) {
        Map<String, JobStorage<?>> byQueue = byQueue();
        List<FlowPlan.Step> steps = new ArrayList<>();
        for (Workflow.Step step : workflow.steps()) {
            FlowPlan.Input input = step.after().isEmpty() ? FlowPlan.Input.GIVEN
                    : step.after().size() == 1 ? FlowPlan.Input.RESULT : FlowPlan.Input.RESULTS;
            JobStorage<?> storage = storage(byQueue, workflow.name(), step.name(), step.queue());
            checkPayload(workflow.name(), step.name(), storage, step.input());
            steps.add(new FlowPlan.Step(step.name(), storage, step.input(), step.options(), step.after(), input,
                    step.continueOnFailure()));
        }
        FlowPlan plan = new FlowPlan(JobIds.next(), FlowKind.WORKFLOW, workflow.name(), steps);
        plan.steps().get(0).storage().startFlow(plan);
        return plan.id();
    }

    @Override
    public String batch(String name, String queue, List<?> payloads, JobOptions options, String callbackQueue) {
        if (payloads.isEmpty()) {
            throw new WorkflowException("Batch '" + name + "' has no jobs; a batch needs at least one");
        }
        Map<String, JobStorage<?>> byQueue = byQueue();
        JobStorage<?> storage = storage(byQueue, name, "0", queue);
        JobStorage<?> callback = storage(byQueue, name, "callback", callbackQueue);
        List<FlowPlan.Step> steps = new ArrayList<>(payloads.size() + 1);
        List<String> names = new ArrayList<>(payloads.size());
        for (int i = 0; i < payloads.size(); i++) {
            String step = String.valueOf(i);
            names.add(step);
            checkPayload(name, step, storage, payloads.get(i));
            steps.add(new FlowPlan.Step(step, storage, payloads.get(i), options, List.of(), FlowPlan.Input.GIVEN,
                    false));
        }
        steps.add(new FlowPlan.Step("callback", callback, null, JobOptions.defaults(), names,
                FlowPlan.Input.SUMMARY, true));
        FlowPlan plan = new FlowPlan(JobIds.next(), FlowKind.BATCH, name, steps);
        storage.startFlow(plan);
        return plan.id();
    }

    @Override
    public Optional<FlowView> find(String id) {
        for (JobStorage<?> storage : storages.get()) {
            Optional<FlowView> flow = storage.flow(id);
            if (flow.isPresent()) {
                return flow;
            }
        }
        return Optional.empty();
    }

    private Map<String, JobStorage<?>> byQueue() {
        Map<String, JobStorage<?>> byQueue = new LinkedHashMap<>();
        for (JobStorage<?> storage : storages.get()) {
            byQueue.putIfAbsent(storage.queue(), storage);
        }
        return byQueue;
    }

    private static void checkPayload(String flow, String step, JobStorage<?> storage, Object payload) {
        if (payload != null && !storage.payloadType().isInstance(payload)) {
            throw new WorkflowException("Flow '" + flow + "': step '" + step + "' gives a " + payload.getClass()
                    .getName() + " to queue '" + storage.queue() + "', whose payloads are "
                    + storage.payloadType().getName());
        }
    }

    private static JobStorage<?> storage(Map<String, JobStorage<?>> byQueue, String flow, String step, String queue) {
        JobStorage<?> storage = byQueue.get(queue);
        if (storage == null) {
            throw new WorkflowException("Flow '" + flow + "': step '" + step + "' runs in queue '" + queue
                    + "', which has no storage here; the queues are " + byQueue.keySet());
        }
        return storage;
    }
}
