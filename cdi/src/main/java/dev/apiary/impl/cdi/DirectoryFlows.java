package dev.apiary.impl.cdi;

import dev.apiary.JobOptions;
import dev.apiary.flow.FlowView;
import dev.apiary.flow.Flows;
import dev.apiary.flow.Workflow;
import dev.apiary.impl.flow.DefaultFlows;
import dev.apiary.spi.JobStorage;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Optional;

/**
 * {@link Flows} over every storage of the application, for injection into any bean: a step's queue is that of a
 * {@code @JobWorker} bean (or any {@code JobStorage} bean), and its job runs through that worker.
 */
@ApplicationScoped
public class DirectoryFlows implements Flows {

    @Inject
    RuntimeDirectory directory;

    private Flows flows;

    @PostConstruct
    void init() {
        // asks for the storages at each call: they are made lazily, on the first use of each
        flows = new DefaultFlows(() -> directory.storages().stream().<JobStorage<?>>map(directory::instance).toList());
    }

    @Override
    public String start(Workflow workflow) {
        return flows.start(workflow);
    }

    @Override
    public String batch(String name, String queue, List<?> payloads, JobOptions options, String callbackQueue) {
        return flows.batch(name, queue, payloads, options, callbackQueue);
    }

    @Override
    public Optional<FlowView> find(String id) {
        return flows.find(id);
    }
}
