package dev.apiary.dashboard;

import dev.apiary.schedule.Schedules;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;

/** Who is calling and what they may do: the page hides what the user may not use. */
@Path("session")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
@DashboardResource
public class SessionApi {

    @Inject
    DashboardSettings settings;

    @Inject
    Instance<Schedules> schedules;

    @Context
    SecurityContext security;

    /**
     * @param user         the user's name, or {@code null} when anonymous access is allowed
     * @param admin        whether the user may act on jobs
     * @param showPayloads whether the user sees payloads
     * @param schedules    whether the application has recurring schedules to show
     */
    public record Session(String user, boolean admin, boolean showPayloads, boolean schedules) {
    }

    @GET
    @RolesAllowed({DashboardSettings.DEFAULT_VIEWER_ROLE, DashboardSettings.DEFAULT_ADMIN_ROLE})
    public Session session() {
        boolean admin = Access.isAdmin(settings, security);
        return new Session(security.getUserPrincipal() == null ? null : security.getUserPrincipal().getName(), admin,
                admin || settings.showPayloads(), schedules.isResolvable() && !schedules.get().list().isEmpty());
    }
}
