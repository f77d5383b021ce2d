package dev.apiary.flow;

import dev.apiary.JobOptions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A workflow of named steps with dependencies, each step a job of an existing queue (a {@code @JobWorker} bean's).
 * A step without dependencies runs at the start with the input it was given. A step with dependencies waits until
 * all of them are done and then receives their results as its payload: the one parent's result as it is, or, with
 * several, a JSON object of each parent's result by step name (so a record with one component per parent step
 * decodes it). When a parent ends failed, killed or cancelled, the step is cancelled, and with it its descendants,
 * unless it {@linkplain Builder#continueOnFailure continues after failures} (then a failed parent's result is
 * {@code null}).
 *
 * <pre>{@code
 * Workflow publish = Workflow.named("publish")
 *         .step("fetch", "fetcher", new Fetch(url))
 *         .step("resize", "resizer").after("fetch")
 *         .step("thumbnail", "thumbnailer").after("fetch")
 *         .step("publish", "publisher").after("resize", "thumbnail")
 *         .build();
 * String id = flows.start(publish);
 * }</pre>
 *
 * {@link Builder#build()} rejects a cycle, a dependency on an unknown step and a repeated name.
 */
public final class Workflow {

    private static final Pattern STEP_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

    private final String name;
    private final List<Step> steps;

    private Workflow(String name, List<Step> steps) {
        this.name = name;
        this.steps = List.copyOf(steps);
    }

    /** A builder of a workflow called {@code name} (shown in the dashboard; need not be unique). */
    public static Builder named(String name) {
        return new Builder(name);
    }

    /**
     * A chain: a job of {@code firstQueue} with {@code input}, then one job of each of {@code nextQueues} in turn, each
     * receiving the previous one's result as its payload. Steps are named after their position ({@code 1}, {@code 2},
     * ...). A failed step cancels the rest.
     */
    public static Workflow chain(String name, String firstQueue, Object input, String... nextQueues) {
        Builder builder = named(name).step("1", firstQueue, input);
        for (int i = 0; i < nextQueues.length; i++) {
            builder.step(String.valueOf(i + 2), nextQueues[i]).after(String.valueOf(i + 1));
        }
        return builder.build();
    }

    /** The workflow's name. */
    public String name() {
        return name;
    }

    /** The steps, parents before children (in the order given where dependencies allow). */
    public List<Step> steps() {
        return steps;
    }

    /**
     * One step.
     *
     * @param name              unique within the workflow: letters, digits, {@code _ . -}, at most 100
     * @param queue             the queue whose worker runs it
     * @param input             the payload of a step without dependencies; {@code null} for the others
     * @param after             the steps it waits for
     * @param continueOnFailure whether it runs also when a parent did not end done
     * @param options           the job's options (priority, attempts, metadata); its run-at is ignored for a step with
     *                          dependencies, which runs as soon as they have finished
     */
    public record Step(String name, String queue, Object input, List<String> after, boolean continueOnFailure,
                       JobOptions options) {

        public Step {
            after = List.copyOf(after);
            options = options == null ? JobOptions.defaults() : options;
        }
    }

    /** Collects steps; {@link #after}, {@link #continueOnFailure} and {@link #options} apply to the last step added. */
    public static final class Builder {

        private final String name;
        private final Map<String, Step> steps = new LinkedHashMap<>();
        private final List<String> errors = new ArrayList<>();
        private Step last;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Adds a step without dependencies, which runs at the start with {@code input} as its payload. */
        public Builder step(String stepName, String queue, Object input) {
            return add(new Step(stepName, queue, input, List.of(), false, null));
        }

        /** Adds a step; name its dependencies with {@link #after}. */
        public Builder step(String stepName, String queue) {
            return add(new Step(stepName, queue, null, List.of(), false, null));
        }

        /** The last step added waits for these steps and receives their results. */
        public Builder after(String... parents) {
            Step step = current("after");
            List<String> after = new ArrayList<>(step.after());
            after.addAll(List.of(parents));
            if (step.input() != null) {
                errors.add("step '" + step.name() + "' has an input and runs after " + List.of(parents)
                        + "; a step with dependencies receives their results instead, so give it no input");
            }
            return replace(new Step(step.name(), step.queue(), step.input(), after, step.continueOnFailure(),
                    step.options()));
        }

        /** The last step added runs also when a parent failed, was killed or was cancelled (its result is then null). */
        public Builder continueOnFailure() {
            Step step = current("continueOnFailure");
            return replace(new Step(step.name(), step.queue(), step.input(), step.after(), true, step.options()));
        }

        /** The options of the last step added's job. */
        public Builder options(JobOptions options) {
            Step step = current("options");
            return replace(new Step(step.name(), step.queue(), step.input(), step.after(), step.continueOnFailure(),
                    options));
        }

        /**
         * The workflow, checked.
         *
         * @throws WorkflowException naming what is wrong: no steps, a repeated or invalid step name, a missing queue,
         *                           a dependency on an unknown step, or a cycle (with its steps)
         */
        public Workflow build() {
            List<String> problems = new ArrayList<>(errors);
            if (steps.isEmpty()) {
                problems.add("it has no steps");
            }
            for (Step step : steps.values()) {
                for (String parent : step.after()) {
                    if (!steps.containsKey(parent)) {
                        problems.add("step '" + step.name() + "' runs after '" + parent + "', which is not a step of"
                                + " it (its steps are " + steps.keySet() + ")");
                    } else if (parent.equals(step.name())) {
                        problems.add("step '" + step.name() + "' runs after itself");
                    }
                }
                if (new HashSet<>(step.after()).size() < step.after().size()) {
                    problems.add("step '" + step.name() + "' names a step twice in " + step.after());
                }
            }
            if (!problems.isEmpty()) {
                throw new WorkflowException("Workflow '" + name + "' is invalid: " + String.join("; ", problems));
            }
            return new Workflow(name, ordered());
        }

        /** Parents before children, or a cycle as an error. */
        private List<Step> ordered() {
            List<Step> order = new ArrayList<>();
            Map<String, Integer> state = new HashMap<>(); // 1 visiting, 2 done
            for (Step step : steps.values()) {
                visit(step, state, order, new ArrayList<>());
            }
            return order;
        }

        private void visit(Step step, Map<String, Integer> state, List<Step> order, List<String> path) {
            Integer seen = state.get(step.name());
            if (seen != null && seen == 2) {
                return;
            }
            path.add(step.name());
            if (seen != null) {
                List<String> cycle = path.subList(path.indexOf(step.name()), path.size());
                throw new WorkflowException("Workflow '" + name + "' is invalid: it has a cycle, "
                        + String.join(" -> ", cycle) + "; a step may depend only on steps that do not depend on it");
            }
            state.put(step.name(), 1);
            for (String parent : step.after()) {
                visit(steps.get(parent), state, order, path);
            }
            path.remove(path.size() - 1);
            state.put(step.name(), 2);
            order.add(step);
        }

        private Builder add(Step step) {
            if (step.name() == null || !STEP_NAME.matcher(step.name()).matches()) {
                errors.add("step name '" + step.name() + "' is not 1 to 100 letters, digits, '_', '.' or '-'");
            } else if (steps.containsKey(step.name())) {
                errors.add("step '" + step.name() + "' is given twice");
            }
            if (step.queue() == null || step.queue().isBlank()) {
                errors.add("step '" + step.name() + "' has no queue");
            }
            last = step;
            steps.putIfAbsent(step.name(), step);
            return this;
        }

        private Builder replace(Step step) {
            if (steps.get(step.name()) == last) {
                steps.put(step.name(), step);
            }
            last = step;
            return this;
        }

        private Step current(String method) {
            if (last == null) {
                throw new IllegalStateException(method + "() applies to the last step added; add a step first");
            }
            return last;
        }
    }

}
