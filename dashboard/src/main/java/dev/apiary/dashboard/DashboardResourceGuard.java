package dev.apiary.dashboard;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.NotFoundException;

import java.util.logging.Logger;

/**
 * Serves the dashboard's resources only inside {@link DashboardApplication}. Their classes carry {@code @Path}, so an
 * application's own JAX-RS {@code Application} that lists no classes (the scanning kind) takes them as well and
 * would serve them under its own path: without {@link RoleCheck}, the error mappers and the {@code /apiary/*}
 * filters, which only the dashboard's application registers. Such a request finds nothing here (404). An action that
 * did not pass {@link SameOriginActions} (the API mapped to a path the fragment's filters do not cover) is refused
 * (403), so that moving the API can never turn the forgery check off.
 *
 * <p>Proof of the way in: request attributes set by the dashboard's {@link RoleCheck} and {@link SameOriginActions}.
 * A JAX-RS request's properties are its servlet request's attributes, and a client cannot set either.
 */
@DashboardResource
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_BEFORE + 100)
public class DashboardResourceGuard {

    private static final Logger LOG = Logger.getLogger(DashboardResourceGuard.class.getName());

    @Inject
    HttpServletRequest request;

    @AroundInvoke
    Object onlyThroughTheDashboard(InvocationContext call) throws Exception {
        if (request.getAttribute(RoleCheck.CHECKED) == null) {
            LOG.fine(() -> "Apiary dashboard resource " + call.getMethod().getDeclaringClass().getSimpleName()
                    + " called outside the dashboard's application (" + request.getRequestURI() + "): not served");
            throw new NotFoundException();
        }
        if (request.getAttribute(SameOriginActions.PASSED) == null && !"GET".equals(request.getMethod())
                && !"HEAD".equals(request.getMethod())) {
            throw new DashboardProblem(403, "this action did not pass the dashboard's same-origin check: map the "
                    + "filters of the dashboard's web-fragment.xml to the API's path too");
        }
        return call.proceed();
    }
}
