package dev.apiary.impl.layer;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.layer.Layer;

import java.util.List;

/** Runs a job through layers to its handler: the first layer is the outermost. */
public final class LayerChain<T> {

    private final List<Layer> layers;
    private final JobHandler<T> handler;

    public LayerChain(List<Layer> layers, JobHandler<T> handler) {
        this.layers = List.copyOf(layers);
        this.handler = handler;
    }

    /** Runs the chain; a handler that returns {@code null} counts as done. */
    public Outcome invoke(Job<T> job) throws Exception {
        return invoke(0, job);
    }

    private Outcome invoke(int index, Job<T> job) throws Exception {
        if (index == layers.size()) {
            Outcome outcome = handler.handle(job);
            return outcome == null ? Outcome.done() : outcome;
        }
        Outcome outcome = layers.get(index).apply(job, () -> invoke(index + 1, job));
        return outcome == null ? Outcome.done() : outcome;
    }
}
