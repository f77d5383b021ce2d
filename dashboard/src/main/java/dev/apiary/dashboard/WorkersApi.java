package dev.apiary.dashboard;

import dev.apiary.spi.JobStorage;
import dev.apiary.spi.WorkerRecord;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker instances of every node, as their heartbeats left them in the storages: live ones first, then those that
 * stopped or were lost (see {@link WorkerRecord#status()}), which {@code ?live=true} leaves out.
 */
@Path("workers")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
@DashboardResource
public class WorkersApi {

    @Inject
    Queues queues;

    @GET
    @RolesAllowed({DashboardSettings.DEFAULT_VIEWER_ROLE, DashboardSettings.DEFAULT_ADMIN_ROLE})
    public List<WorkerRecord> workers(@QueryParam("live") boolean liveOnly) {
        // storages that share a table list the same rows: one per instance
        Map<String, WorkerRecord> byId = new LinkedHashMap<>();
        for (JobStorage<?> storage : queues.all().values()) {
            for (WorkerRecord worker : storage.workers()) {
                if (!liveOnly || worker.live()) {
                    byId.putIfAbsent(worker.instanceId(), worker);
                }
            }
        }
        List<WorkerRecord> all = new ArrayList<>(byId.values());
        all.sort(Comparator.comparing((WorkerRecord w) -> !w.live())
                .thenComparing(w -> String.valueOf(w.node()))
                .thenComparing(WorkerRecord::instanceId));
        return all;
    }
}
