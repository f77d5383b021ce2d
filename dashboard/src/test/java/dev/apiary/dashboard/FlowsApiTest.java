package dev.apiary.dashboard;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.flow.FlowKind;
import dev.apiary.flow.FlowView;
import dev.apiary.flow.Flows;
import dev.apiary.flow.Workflow;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.WorkerDriver;
import jakarta.json.bind.JsonbBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

/** A workflow's steps and their states through the dashboard's API, read from the storages of its queues. */
class FlowsApiTest {

    public record Doc(String text) {
    }

    private final ManualClock clock = ManualClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    private final JobStorage<Doc> fetch = WorkerDriver.inMemoryStorage("fetch", Doc.class, clock);
    private final JobStorage<Doc> render = WorkerDriver.inMemoryStorage("render", Doc.class, clock);

    private FlowsApi api() {
        FlowsApi api = new FlowsApi();
        api.queues = new Queues();
        api.queues.storages = () -> List.of(fetch, render);
        return api;
    }

    @Test
    void aWorkflowShowsEachStepWithItsJobStateAndParents() throws Exception {
        String id = Flows.over(fetch, render).start(Workflow.named("publish")
                .step("fetch", "fetch", new Doc("https://example.org"))
                .step("render", "render").after("fetch")
                .build());
        var job = fetch.claim("w", 1).get(0);
        fetch.settle(List.of(new Settlement(job.context(), Outcome.done(new Doc("<html>")))));

        FlowsApi.FlowDetail flow = api().flow(id);

        assertThat(flow.kind()).isEqualTo(FlowKind.WORKFLOW);
        assertThat(flow.name()).isEqualTo("publish");
        assertThat(flow.finished()).isFalse();
        assertThat(flow.counts()).containsEntry(JobStatus.DONE, 1L).containsEntry(JobStatus.PENDING, 1L);
        assertThat(flow.steps()).extracting(FlowView.Step::name, FlowView.Step::queue, FlowView.Step::status,
                FlowView.Step::after).containsExactly(tuple("fetch", "fetch", JobStatus.DONE, List.of()),
                tuple("render", "render", JobStatus.PENDING, List.of("fetch")));
        String json = JsonbBuilder.create().toJson(flow);
        assertThat(json).contains("\"name\":\"render\"", "\"status\":\"PENDING\"", "\"after\":[\"fetch\"]",
                "\"jobId\":\"" + job.id() + "\"", "\"finished\":false");
    }

    @Test
    void anUnknownFlowIsNotFound() {
        assertThatThrownBy(() -> api().flow("no-such-flow")).isInstanceOfSatisfying(DashboardProblem.class, p -> {
            assertThat(p.status()).isEqualTo(404);
            assertThat(p.getMessage()).isEqualTo("no batch or workflow 'no-such-flow'");
        });
    }
}
