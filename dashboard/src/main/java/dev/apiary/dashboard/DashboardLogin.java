package dev.apiary.dashboard;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Asks for a login before anything under {@code /apiary/} (the page and the API), unless
 * {@code apiary.dashboard.allow-anonymous=true}. A filter, not a {@code security-constraint} of the web fragment: a
 * constraint is fixed when the application deploys and cannot follow a configuration key, so the container would
 * still ask anonymous callers to log in with the key on. The login is the application's own (its {@code login-config}
 * or Jakarta Security mechanism), started with {@link HttpServletRequest#authenticate}; which role may do what is then
 * {@link RoleCheck}'s.
 */
public class DashboardLogin implements Filter {

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        // looked up, not injected, as in RoleCheck: the same settings bean everywhere
        DashboardSettings settings = CDI.current().select(DashboardSettings.class).get();
        if (settings.allowAnonymous() || request.getUserPrincipal() != null || logIn(request, response, settings)) {
            chain.doFilter(request, response);
        }
    }

    /** Whether the caller is now logged in; when not, the answer (a challenge) has been sent. */
    private static boolean logIn(HttpServletRequest request, HttpServletResponse response, DashboardSettings settings)
            throws IOException {
        String refusal;
        try {
            if (request.authenticate(response) && request.getUserPrincipal() != null) {
                return true;
            }
            refusal = "";
        } catch (ServletException e) {
            // the login failed and the mechanism left the answer to the caller (its message says why)
            refusal = " (" + e.getMessage() + ")";
        }
        if (!response.isCommitted()) {
            // the mechanism sent no challenge of its own (some do not on a resource no constraint covers): ask for
            // HTTP Basic, which the page's browser and scripts both understand
            response.resetBuffer();
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.setHeader("WWW-Authenticate", "Basic realm=\"apiary\"");
            response.setContentType("application/json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.getWriter().write("{\"status\":401,\"error\":\"Unauthorized\",\"message\":\"log in to use the "
                    + "Apiary dashboard (a user in role '" + json(settings.viewerRole()) + "' or '"
                    + json(settings.adminRole()) + "')" + json(refusal) + "\"}");
        }
        return false;
    }

    /** {@code text} as the inside of a JSON string. */
    static String json(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
