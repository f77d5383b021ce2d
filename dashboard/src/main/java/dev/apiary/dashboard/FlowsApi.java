package dev.apiary.dashboard;

import dev.apiary.JobStatus;
import dev.apiary.flow.FlowKind;
import dev.apiary.flow.FlowView;
import dev.apiary.spi.JobStorage;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A batch or workflow with each step's job and state, for the viewer role. */
@Path("flows")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
@DashboardResource
public class FlowsApi {

    @Inject
    Queues queues;

    /**
     * A flow as stored now: its steps in the order given (a batch's jobs, then its callback), each with its job, queue,
     * status and the steps it waits for; the number of steps per status; whether every step has ended.
     */
    public record FlowDetail(String id, FlowKind kind, String name, Instant createdAt, Map<JobStatus, Long> counts,
                             boolean finished, List<FlowView.Step> steps) {

        static FlowDetail of(FlowView flow) {
            return new FlowDetail(flow.id(), flow.kind(), flow.name(), flow.createdAt(), flow.counts(),
                    flow.isFinished(), flow.steps());
        }
    }

    @GET
    @Path("{id}")
    @RolesAllowed({DashboardSettings.DEFAULT_VIEWER_ROLE, DashboardSettings.DEFAULT_ADMIN_ROLE})
    public FlowDetail flow(@PathParam("id") String id) {
        // a flow is stored with its jobs: any storage of its database reads it
        for (JobStorage<?> storage : queues.all().values()) {
            Optional<FlowView> flow = storage.flow(id);
            if (flow.isPresent()) {
                return FlowDetail.of(flow.get());
            }
        }
        throw DashboardProblem.notFound("no batch or workflow '" + id + "'");
    }
}
