package dev.apiary.dashboard;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** The audit trail of admin actions served by this node, newest first; for admins only. */
@Path("audit")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
@DashboardResource
public class AuditApi {

    @Inject
    AuditTrail trail;

    @GET
    @RolesAllowed(DashboardSettings.DEFAULT_ADMIN_ROLE)
    public List<AuditEntry> audit() {
        return trail.latest();
    }
}
