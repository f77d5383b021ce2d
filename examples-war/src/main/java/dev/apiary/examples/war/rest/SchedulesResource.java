package dev.apiary.examples.war.rest;

import dev.apiary.schedule.ScheduleInfo;
import dev.apiary.schedule.Schedules;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The recurring schedules with their last and next fires; pause, resume or trigger one. */
@Path("schedules")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
public class SchedulesResource {

    /** A schedule as the API shows it. */
    public record ScheduleView(String name, String queue, String cron, String zone, String misfire, boolean enabled,
                               boolean paused, Instant lastFire, Instant nextFire) {
        static ScheduleView of(ScheduleInfo info) {
            return new ScheduleView(info.name(), info.queue(), info.schedule().cron(), info.schedule().zone().getId(),
                    info.schedule().misfire().name(), info.schedule().enabled(), info.paused(), info.lastFire(),
                    info.nextFire());
        }
    }

    @Inject
    Schedules schedules;

    @GET
    public List<ScheduleView> list() {
        return schedules.list().stream().map(ScheduleView::of).toList();
    }

    @GET
    @Path("{name}")
    public ScheduleView schedule(@PathParam("name") String name) {
        return ScheduleView.of(schedules.find(name).orElseThrow(() -> unknown(name)));
    }

    @POST
    @Path("{name}/pause")
    public ScheduleView pause(@PathParam("name") String name) {
        schedule(name);
        schedules.pause(name);
        return schedule(name);
    }

    @POST
    @Path("{name}/resume")
    public ScheduleView resume(@PathParam("name") String name) {
        schedule(name);
        schedules.resume(name);
        return schedule(name);
    }

    /** Enqueues one job of the schedule now; answers its id and queue. */
    @POST
    @Path("{name}/trigger")
    public Map<String, String> trigger(@PathParam("name") String name) {
        ScheduleView schedule = schedule(name);
        return Map.of("id", schedules.triggerNow(name), "queue", schedule.queue());
    }

    private ApiProblem unknown(String name) {
        return ApiProblem.notFound("no schedule '" + name + "'; schedules are "
                + schedules.list().stream().map(ScheduleInfo::name).toList());
    }
}
