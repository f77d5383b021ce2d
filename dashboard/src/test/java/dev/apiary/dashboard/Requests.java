package dev.apiary.dashboard;

import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.SecurityContext;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ContainerRequest;

import java.lang.reflect.Method;
import java.net.URI;
import java.security.Principal;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Real JAX-RS requests (Jersey's), callers and settings for the dashboard's tests; no server. */
final class Requests {

    private Requests() {
    }

    /** A request of the dashboard's API, by {@code user} ({@code null}: nobody logged in). */
    static ContainerRequest request(String method, SecurityContext user) {
        return new ContainerRequest(URI.create("http://localhost/app/apiary/api/"),
                URI.create("http://localhost/app/apiary/api/queues"), method, user, new MapPropertiesDelegate(),
                null);
    }

    /** A logged-in user with the given container roles. */
    static SecurityContext user(String name, String... roles) {
        return new User(() -> name, Set.of(roles));
    }

    /** The container's view of a request without a login. */
    static SecurityContext nobody() {
        return new User(null, Set.of());
    }

    /** Settings as the configuration keys would give them. */
    static DashboardSettings settings(String viewerRole, String adminRole, boolean allowAnonymous,
                                      boolean showPayloads, String... allowedOrigins) {
        DashboardSettings s = new DashboardSettings();
        s.viewerRole = viewerRole;
        s.adminRole = adminRole;
        s.allowAnonymous = allowAnonymous;
        s.showPayloads = showPayloads;
        s.allowedOrigins = allowedOrigins.length == 0 ? Optional.empty()
                : Optional.of(String.join(",", allowedOrigins));
        return s;
    }

    /** The default settings: the default role names, a login required, payloads for admins only. */
    static DashboardSettings defaults() {
        return settings(DashboardSettings.DEFAULT_VIEWER_ROLE, DashboardSettings.DEFAULT_ADMIN_ROLE, false, false);
    }

    /** The resource method a request was matched to. */
    static ResourceInfo resource(Class<?> type, String method) {
        Method m = Arrays.stream(type.getMethods()).filter(x -> x.getName().equals(method)).findFirst()
                .orElseThrow(() -> new AssertionError(type.getSimpleName() + " has no method " + method));
        return new Resource(type, m);
    }

    record Resource(Class<?> getResourceClass, Method getResourceMethod) implements ResourceInfo {
    }

    private record User(Principal getUserPrincipal, Set<String> roles) implements SecurityContext {

        @Override
        public boolean isUserInRole(String role) {
            return roles.contains(role);
        }

        @Override
        public boolean isSecure() {
            return true;
        }

        @Override
        public String getAuthenticationScheme() {
            return getUserPrincipal == null ? null : BASIC_AUTH;
        }

        @Override
        public String toString() {
            return getUserPrincipal == null ? "nobody" : getUserPrincipal.getName() + " " + List.copyOf(roles);
        }
    }
}
