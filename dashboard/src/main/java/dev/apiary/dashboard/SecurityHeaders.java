package dev.apiary.dashboard;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The response headers of everything under {@code /apiary/}: the page may run only its own scripts and styles, be
 * framed by no page (not even its own), and have its answers read by no other origin; API answers (job data) are
 * never stored by a cache. Set before the rest of the chain runs, so the login's 401 and every error carry them too.
 */
public class SecurityHeaders implements Filter {

    /**
     * Self only, nothing inline: the page's markup has no script or style of its own, and {@code app.js} builds the
     * DOM with DOM calls (uPlot sets styles through the CSSOM, which a policy does not restrict).
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        // for browsers without frame-ancestors
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "same-origin");
        // a page of another origin cannot load the API's JSON as a script, image or the like
        response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
        if (isApi(request)) {
            response.setHeader("Cache-Control", "no-store");
        }
        chain.doFilter(request, response);
    }

    /** Whether the request is one of the API's, wherever the application mapped it (its default, {@code api/}). */
    private static boolean isApi(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !path.startsWith("/apiary/") || path.startsWith("/apiary/api/") || path.equals("/apiary/api");
    }
}
