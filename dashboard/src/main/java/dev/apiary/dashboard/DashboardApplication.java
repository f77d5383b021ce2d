package dev.apiary.dashboard;

import jakarta.annotation.security.DeclareRoles;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

import java.util.Set;

/**
 * The dashboard's API, under {@code /apiary/api} of the application's context; another path is set with a
 * {@code servlet-mapping} for this class's name in {@code web.xml} (with the fragment's filters mapped to it too, or
 * its actions are refused). Lists its own classes, so that it never takes the application's resources, and the
 * application's {@code Application} should list its own as well: one that lists none takes the dashboard's resources
 * too, which then answer 404 there ({@link DashboardResourceGuard}).
 */
@ApplicationPath("apiary/api")
@DeclareRoles({DashboardSettings.DEFAULT_VIEWER_ROLE, DashboardSettings.DEFAULT_ADMIN_ROLE})
public class DashboardApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(QueuesApi.class, WorkersApi.class, SessionApi.class, SchedulesApi.class, AuditApi.class,
                FlowsApi.class, RoleCheck.class,
                ProblemMappers.Problems.class, ProblemMappers.RestErrors.class, ProblemMappers.Unexpected.class);
    }
}
