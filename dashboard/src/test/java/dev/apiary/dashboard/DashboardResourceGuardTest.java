package dev.apiary.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.NotFoundException;
import org.jboss.weld.junit.MockBean;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The dashboard's resources serve only requests that came through its own doors: the role check of its application,
 * and for an action the same-origin filter. The guard runs as the CDI interceptor it is, in a real container.
 */
@EnableWeld
class DashboardResourceGuardTest {

    private ServletExchange exchange = new ServletExchange("GET");

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
                    .addBeanClasses(Jobs.class, DashboardResourceGuard.class))
            .addBeans(MockBean.builder().types(HttpServletRequest.class).create(context -> currentRequest())
                    .build())
            .build();

    @Inject
    Jobs jobs;

    /** A resource of the dashboard, as its API classes are marked. */
    @DashboardResource
    @ApplicationScoped
    public static class Jobs {
        public String call() {
            return "served";
        }
    }

    /** The request of the moment, as a container injects it: the guard is made once, for every request. */
    private HttpServletRequest currentRequest() {
        return (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(exchange.request(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private void through(String method, boolean roleChecked, boolean sameOriginChecked) {
        exchange = new ServletExchange(method);
        if (roleChecked) {
            exchange.attributes.put(RoleCheck.CHECKED, Boolean.TRUE);
        }
        if (sameOriginChecked) {
            exchange.attributes.put(SameOriginActions.PASSED, Boolean.TRUE);
        }
    }

    @Test
    void aRequestOfTheDashboardsApplicationIsServed() {
        through("GET", true, true);

        assertThat(jobs.call()).isEqualTo("served");
    }

    @Test
    void aRequestOfAnotherApplicationFindsNothing() {
        through("GET", false, true);

        assertThatThrownBy(jobs::call).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aReadNeedsNoSameOriginCheck() {
        through("GET", true, false);
        assertThat(jobs.call()).isEqualTo("served");

        through("HEAD", true, false);
        assertThat(jobs.call()).isEqualTo("served");
    }

    @Test
    void anActionThatMissedTheSameOriginCheckIsRefused() {
        for (String method : new String[] {"POST", "DELETE", "PUT"}) {
            through(method, true, false);

            assertThatThrownBy(jobs::call).as(method).isInstanceOfSatisfying(DashboardProblem.class, p -> {
                assertThat(p.status()).isEqualTo(403);
                assertThat(p.getMessage()).contains("same-origin check", "web-fragment.xml");
            });
        }
    }

    @Test
    void anActionThatPassedBothChecksIsServed() {
        through("POST", true, true);

        assertThat(jobs.call()).isEqualTo("served");
    }
}
