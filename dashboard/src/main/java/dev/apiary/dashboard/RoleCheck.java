package dev.apiary.dashboard;

import jakarta.annotation.Priority;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.SecurityContext;

import java.lang.reflect.Method;
import java.security.Principal;

/**
 * Enforces each resource method's {@link RolesAllowed} with the role names of {@link DashboardSettings}: the
 * annotation's names ({@code apiary-viewer}, {@code apiary-admin}) stand for the configured ones. No user: 401; a
 * user without the role: 403 with a message. Runs before the runtime's own {@code RolesAllowed} check (Jersey and
 * RESTEasy have one, not always on) and hands it a security context that answers for the annotation's names with the
 * configured roles, so both agree. A method without the annotation is refused: no resource is left open by
 * forgetting it. Marks the request as the dashboard application's, for {@link DashboardResourceGuard}.
 */
@Priority(Priorities.AUTHENTICATION + 10)
public class RoleCheck implements ContainerRequestFilter {

    /** The request property (a servlet request attribute) that says the dashboard's application serves it. */
    static final String CHECKED = RoleCheck.class.getName() + ".checked";

    private static final Principal ANONYMOUS = () -> "anonymous";

    @Context
    ResourceInfo resource;

    @Override
    public void filter(ContainerRequestContext request) {
        request.setProperty(CHECKED, Boolean.TRUE);
        // looked up, not injected: runtimes differ in whether they inject into a provider that is not a bean
        DashboardSettings settings = CDI.current().select(DashboardSettings.class).get();
        SecurityContext security = request.getSecurityContext();
        request.setSecurityContext(new ConfiguredRoles(security, settings));
        if (settings.allowAnonymous()) {
            return;
        }
        Method method = resource.getResourceMethod();
        if (method == null) {
            return; // no matching resource: the runtime answers 404 or 405 itself
        }
        RolesAllowed allowed = method.getAnnotation(RolesAllowed.class);
        if (allowed == null) {
            allowed = resource.getResourceClass().getAnnotation(RolesAllowed.class);
        }
        if (security == null || security.getUserPrincipal() == null) {
            throw new DashboardProblem(401, "log in to use the Apiary dashboard (a user in role '"
                    + settings.viewerRole() + "' or '" + settings.adminRole() + "')")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"apiary\"");
        }
        if (allowed == null) {
            throw new DashboardProblem(403, "this operation declares no role and is refused");
        }
        for (String role : allowed.value()) {
            if (security.isUserInRole(configured(settings, role))) {
                return;
            }
        }
        // the first role named is the one the operation needs (reads name the viewer role, then the admin's)
        throw new DashboardProblem(403, "user '" + security.getUserPrincipal().getName() + "' lacks role '"
                + configured(settings, allowed.value()[0]) + "' for this operation");
    }

    static String configured(DashboardSettings settings, String role) {
        return switch (role) {
            case DashboardSettings.DEFAULT_VIEWER_ROLE -> settings.viewerRole();
            case DashboardSettings.DEFAULT_ADMIN_ROLE -> settings.adminRole();
            default -> role;
        };
    }

    /** The container's security context, with the dashboard's role names mapped to the configured ones. */
    private record ConfiguredRoles(SecurityContext container, DashboardSettings settings) implements SecurityContext {

        @Override
        public Principal getUserPrincipal() {
            Principal user = container == null ? null : container.getUserPrincipal();
            return user == null && settings.allowAnonymous() ? ANONYMOUS : user;
        }

        @Override
        public boolean isUserInRole(String role) {
            return settings.allowAnonymous()
                    || (container != null && container.isUserInRole(configured(settings, role)));
        }

        @Override
        public boolean isSecure() {
            return container != null && container.isSecure();
        }

        @Override
        public String getAuthenticationScheme() {
            return container == null ? null : container.getAuthenticationScheme();
        }
    }
}
