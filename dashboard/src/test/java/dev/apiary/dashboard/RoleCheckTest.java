package dev.apiary.dashboard;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.SecurityContext;
import org.jboss.weld.junit.MockBean;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.Test;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who may call what: {@link RoleCheck} on real JAX-RS requests, against the dashboard's own resource methods, with the
 * settings from a CDI container as the filter looks them up.
 */
@EnableWeld
class RoleCheckTest {

    private DashboardSettings settings = Requests.defaults();

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld())
            .addBeans(MockBean.builder().types(DashboardSettings.class).create(context -> settings).build())
            .build();

    private static ContainerRequestContext check(ContainerRequestContext request, Class<?> type, String method) {
        RoleCheck filter = new RoleCheck();
        filter.resource = Requests.resource(type, method);
        filter.filter(request);
        return request;
    }

    private static int refusal(ContainerRequestContext request, Class<?> type, String method) {
        try {
            check(request, type, method);
            return 200;
        } catch (DashboardProblem problem) {
            return problem.status();
        }
    }

    /** Every resource method of the dashboard's application with its HTTP method. */
    private static List<Method> operations() {
        List<Method> operations = new ArrayList<>();
        for (Class<?> type : new DashboardApplication().getClasses()) {
            if (type.isAnnotationPresent(Path.class)) {
                Arrays.stream(type.getMethods()).filter(m -> httpMethod(m) != null).forEach(operations::add);
            }
        }
        return operations;
    }

    private static String httpMethod(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod http = a.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    @Test
    void aViewerReadsEverythingButTheAuditTrailAndActsOnNothingAnAdminDoesAll() {
        List<Method> operations = operations();
        assertThat(operations).hasSizeGreaterThan(10);

        for (Method m : operations) {
            String http = httpMethod(m);
            boolean adminOnly = !http.equals("GET") || m.getDeclaringClass() == AuditApi.class;
            String what = http + " " + m.getDeclaringClass().getSimpleName() + "." + m.getName();
            assertThat(refusal(Requests.request(http, Requests.user("vera", "apiary-viewer")), m.getDeclaringClass(),
                    m.getName())).as("a viewer: " + what).isEqualTo(adminOnly ? 403 : 200);
            assertThat(refusal(Requests.request(http, Requests.user("ada", "apiary-admin")), m.getDeclaringClass(),
                    m.getName())).as("an admin: " + what).isEqualTo(200);
            assertThat(refusal(Requests.request(http, Requests.user("olga", "other")), m.getDeclaringClass(),
                    m.getName())).as("a user of neither role: " + what).isEqualTo(403);
        }
    }

    @Test
    void nobodyLoggedInIsAskedToLogInWithBasic() {
        assertThatThrownBy(() -> check(Requests.request("GET", Requests.nobody()), QueuesApi.class, "queues"))
                .isInstanceOfSatisfying(DashboardProblem.class, p -> {
                    assertThat(p.status()).isEqualTo(401);
                    assertThat(p.getMessage()).contains("log in", "'apiary-viewer'", "'apiary-admin'");
                    assertThat(p.headers()).containsEntry(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"apiary\"");
                });
        assertThatThrownBy(() -> check(Requests.request("GET", null), QueuesApi.class, "queues"))
                .as("no security context at all").isInstanceOfSatisfying(DashboardProblem.class,
                        p -> assertThat(p.status()).isEqualTo(401));
    }

    @Test
    void aRefusalNamesTheUserAndTheRoleTheOperationNeeds() {
        assertThatThrownBy(() -> check(Requests.request("POST", Requests.user("vera", "apiary-viewer")),
                QueuesApi.class, "retry"))
                .isInstanceOfSatisfying(DashboardProblem.class, p -> {
                    assertThat(p.status()).isEqualTo(403);
                    assertThat(p.getMessage()).isEqualTo("user 'vera' lacks role 'apiary-admin' for this operation");
                });
        assertThatThrownBy(() -> check(Requests.request("GET", Requests.user("olga")), QueuesApi.class, "queues"))
                .as("a read names the viewer role")
                .hasMessage("user 'olga' lacks role 'apiary-viewer' for this operation");
    }

    @Test
    void theConfiguredRoleNamesStandForTheAnnotationsNames() {
        settings = Requests.settings("ops-read", "ops-write", false, false);

        assertThat(refusal(Requests.request("GET", Requests.user("vera", "ops-read")), QueuesApi.class, "queues"))
                .isEqualTo(200);
        assertThat(refusal(Requests.request("POST", Requests.user("ada", "ops-write")), QueuesApi.class, "kill"))
                .isEqualTo(200);
        assertThatThrownBy(() -> check(Requests.request("GET", Requests.user("old", "apiary-viewer")),
                QueuesApi.class, "queues")).as("the default name is not a role any more")
                .hasMessage("user 'old' lacks role 'ops-read' for this operation");
    }

    @Test
    void theRuntimesOwnRoleCheckSeesTheConfiguredRolesUnderTheAnnotationsNames() {
        settings = Requests.settings("ops-read", "ops-write", false, false);

        SecurityContext handedOn = check(Requests.request("POST", Requests.user("ada", "ops-write")),
                QueuesApi.class, "retry").getSecurityContext();

        assertThat(handedOn.getUserPrincipal().getName()).isEqualTo("ada");
        assertThat(handedOn.isUserInRole("apiary-admin")).isTrue();
        assertThat(handedOn.isUserInRole("ops-write")).isTrue();
        assertThat(handedOn.isUserInRole("apiary-viewer")).isFalse();
        assertThat(handedOn.isSecure()).isTrue();
        assertThat(handedOn.getAuthenticationScheme()).isEqualTo(SecurityContext.BASIC_AUTH);
    }

    @Test
    void withAnonymousAccessAnyoneMayDoAnythingAsAnonymous() {
        settings = Requests.settings("apiary-viewer", "apiary-admin", true, false);

        ContainerRequestContext request = check(Requests.request("DELETE", Requests.nobody()), QueuesApi.class,
                "deleteAll");

        assertThat(request.getSecurityContext().getUserPrincipal().getName()).isEqualTo("anonymous");
        assertThat(request.getSecurityContext().isUserInRole("apiary-admin")).isTrue();
        assertThat(refusal(Requests.request("GET", Requests.nobody()), AuditApi.class, "audit")).isEqualTo(200);
    }

    @Test
    void anOperationThatDeclaresNoRoleIsRefusedEvenToAnAdmin() {
        assertThatThrownBy(() -> check(Requests.request("GET", Requests.user("ada", "apiary-admin")),
                Undeclared.class, "open")).isInstanceOfSatisfying(DashboardProblem.class, p -> {
                    assertThat(p.status()).isEqualTo(403);
                    assertThat(p.getMessage()).contains("declares no role");
                });
    }

    @Test
    void aRequestThatMatchedNoResourceIsLeftToTheRuntimeButMarkedAsTheDashboards() {
        RoleCheck filter = new RoleCheck();
        filter.resource = new Requests.Resource(null, null);
        ContainerRequestContext request = Requests.request("GET", Requests.nobody());

        filter.filter(request);

        assertThat(request.getProperty(RoleCheck.CHECKED)).isEqualTo(Boolean.TRUE);
    }

    @Test
    void aCheckedRequestIsMarkedForTheResourceGuard() {
        ContainerRequestContext request = check(Requests.request("GET", Requests.user("vera", "apiary-viewer")),
                QueuesApi.class, "queues");

        assertThat(request.getProperty(RoleCheck.CHECKED)).isEqualTo(Boolean.TRUE);
        assertThatThrownBy(() -> check(Requests.request("GET", Requests.nobody()), QueuesApi.class, "queues"))
                .isInstanceOf(DashboardProblem.class);
    }

    /** A resource whose author forgot the roles. */
    @Path("undeclared")
    public static class Undeclared {
        @jakarta.ws.rs.GET
        public String open() {
            return "open";
        }
    }
}
