package dev.apiary.dashboard;

import dev.apiary.schedule.ScheduleInfo;
import dev.apiary.schedule.Schedules;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;

import java.time.Instant;
import java.util.List;

/**
 * The application's recurring schedules with their last and next fires; pause, resume or trigger one. An application
 * without a {@link Schedules} bean has none.
 */
@Path("schedules")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
@DashboardResource
public class SchedulesApi {

    private static final String VIEWER = DashboardSettings.DEFAULT_VIEWER_ROLE;
    private static final String ADMIN = DashboardSettings.DEFAULT_ADMIN_ROLE;

    @Inject
    Instance<Schedules> schedules;

    @Inject
    AuditTrail audit;

    @Context
    SecurityContext security;

    /**
     * A schedule as the API shows it.
     *
     * @param enabled  whether the schedule fires on this node ({@code apiary.schedules.<name>.enabled})
     * @param paused   whether it is paused, on every node
     * @param lastFire the latest fire enqueued, or when it was first registered if it never fired
     * @param nextFire the next fire, {@code null} when paused, disabled or never again
     */
    public record ScheduleView(String name, String queue, String cron, String zone, String misfire, boolean enabled,
                               boolean paused, Instant lastFire, Instant nextFire) {

        static ScheduleView of(ScheduleInfo info) {
            return new ScheduleView(info.name(), info.queue(), info.schedule().cron(), info.schedule().zone().getId(),
                    info.schedule().misfire().name(), info.schedule().enabled(), info.paused(), info.lastFire(),
                    info.nextFire());
        }
    }

    /** The job a trigger enqueued. */
    public record Triggered(String schedule, String queue, String id) {
    }

    @GET
    @RolesAllowed({VIEWER, ADMIN})
    public List<ScheduleView> list() {
        return all().stream().map(ScheduleView::of).toList();
    }

    @GET
    @Path("{name}")
    @RolesAllowed({VIEWER, ADMIN})
    public ScheduleView schedule(@PathParam("name") String name) {
        return ScheduleView.of(require(name));
    }

    @POST
    @Path("{name}/pause")
    @RolesAllowed(ADMIN)
    public ScheduleView pause(@PathParam("name") String name) {
        require(name);
        schedules.get().pause(name);
        audit.record(Access.user(security), "pause", "schedule " + name, 0);
        return schedule(name);
    }

    @POST
    @Path("{name}/resume")
    @RolesAllowed(ADMIN)
    public ScheduleView resume(@PathParam("name") String name) {
        require(name);
        schedules.get().resume(name);
        audit.record(Access.user(security), "resume", "schedule " + name, 0);
        return schedule(name);
    }

    /** Enqueues one job of the schedule now, also when it is paused; its fire times are unchanged. */
    @POST
    @Path("{name}/trigger")
    @RolesAllowed(ADMIN)
    public Triggered trigger(@PathParam("name") String name) {
        ScheduleInfo schedule = require(name);
        String id = schedules.get().triggerNow(name);
        audit.record(Access.user(security), "trigger", "schedule " + name + ", job " + id + " in queue "
                + schedule.queue(), 1);
        return new Triggered(name, schedule.queue(), id);
    }

    private List<ScheduleInfo> all() {
        return schedules.isResolvable() ? schedules.get().list() : List.of();
    }

    private ScheduleInfo require(String name) {
        List<ScheduleInfo> all = all();
        return all.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> DashboardProblem.notFound("no schedule '" + name + "'; schedules are "
                        + all.stream().map(ScheduleInfo::name).toList()));
    }
}
