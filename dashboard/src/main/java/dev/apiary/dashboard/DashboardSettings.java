package dev.apiary.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/** The dashboard's MicroProfile Config keys ({@code apiary.dashboard.*}), read once at start-up. */
@ApplicationScoped
public class DashboardSettings {

    static final String DEFAULT_VIEWER_ROLE = "apiary-viewer";
    static final String DEFAULT_ADMIN_ROLE = "apiary-admin";
    /** The largest page of jobs the API returns. */
    static final int MAX_PAGE = 200;

    private static final Logger LOG = Logger.getLogger(DashboardSettings.class.getName());

    @Inject
    @ConfigProperty(name = "apiary.dashboard.viewer-role", defaultValue = DEFAULT_VIEWER_ROLE)
    String viewerRole;

    @Inject
    @ConfigProperty(name = "apiary.dashboard.admin-role", defaultValue = DEFAULT_ADMIN_ROLE)
    String adminRole;

    @Inject
    @ConfigProperty(name = "apiary.dashboard.allow-anonymous", defaultValue = "false")
    boolean allowAnonymous;

    @Inject
    @ConfigProperty(name = "apiary.dashboard.show-payloads", defaultValue = "false")
    boolean showPayloads;

    /** Comma-separated; read as one string, since Payara's config cannot inject an {@code Optional<List>}. */
    @Inject
    @ConfigProperty(name = "apiary.dashboard.allowed-origins")
    Optional<String> allowedOrigins;

    void warnIfOpen(@Observes @Initialized(ApplicationScoped.class) Object started) {
        if (allowAnonymous) {
            LOG.warning("apiary.dashboard.allow-anonymous=true: the Apiary dashboard and its API let anyone read "
                    + "and act on jobs, without logging in. Use it only for local development. (On Payara, the WAR's "
                    + "glassfish-web.xml also needs <jaxrs-roles-allowed-enabled>false</jaxrs-roles-allowed-enabled>, "
                    + "or Payara itself asks anonymous callers to log in.)");
        }
    }

    /** The role that may read (queues, jobs, workers); admins may read too. */
    public String viewerRole() {
        return viewerRole;
    }

    /** The role that may act (retry, kill, delete). */
    public String adminRole() {
        return adminRole;
    }

    /** Whether anyone may read and act without logging in; for local development only. */
    public boolean allowAnonymous() {
        return allowAnonymous;
    }

    /**
     * Origins besides the application's own (the {@code Host} its requests name) whose pages may act, such as
     * {@code https://ops.example.com}; none by default.
     */
    public List<String> allowedOrigins() {
        return allowedOrigins.stream().flatMap(list -> Arrays.stream(list.split(","))).map(String::trim)
                .filter(origin -> !origin.isEmpty()).toList();
    }

    /** Whether viewers see payloads; admins always do. */
    public boolean showPayloads() {
        return showPayloads;
    }
}
