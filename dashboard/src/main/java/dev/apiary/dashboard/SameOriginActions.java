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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Refuses cross-site request forgery: a request that changes something (any method but {@code GET}, {@code HEAD} and
 * {@code OPTIONS}) needs the header {@value #HEADER} (any value), and, when the browser says where it comes from
 * ({@code Origin}, else {@code Sec-Fetch-Site}, else {@code Referer}), to come from the application's own origin or
 * one of {@code apiary.dashboard.allowed-origins}. Refused: 403 JSON saying what is missing.
 *
 * <p>Why both: a page of another origin cannot send a custom header without a CORS preflight, which the dashboard
 * never grants, and an HTML form or an {@code <iframe>} cannot send one at all; so the header alone stops forged
 * requests, also where a login needs no cookie (HTTP Basic, whose credentials the browser resends to any page that
 * posts to the server). The origin check holds even if a proxy or another filter answered a preflight. Scripts and
 * {@code curl} send no {@code Origin}; they add the header ({@code -H 'X-Requested-By: cli'}).
 *
 * <p>An application may put its own API behind the same check: a subclass annotated
 * {@code @WebFilter(urlPatterns = "/api/*")}.
 *
 * <p>Runs before the login filter, so a forged request is refused before it can start a login, and marks the request
 * it passed, so that the API refuses an action that did not come through it ({@link DashboardResourceGuard}).
 */
public class SameOriginActions implements Filter {

    /** The header every state-changing request must carry, as Jersey's {@code CsrfProtectionFilter} asks. */
    public static final String HEADER = "X-Requested-By";

    /** The request attribute set on a request this filter let through. */
    static final String PASSED = SameOriginActions.class.getName() + ".passed";

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (!SAFE.contains(request.getMethod())) {
            // the settings are looked up only for an origin that is not the request's own
            String refusal = refusal(request, () -> CDI.current().select(DashboardSettings.class).get());
            if (refusal != null) {
                refuse(response, refusal);
                return;
            }
        }
        request.setAttribute(PASSED, Boolean.TRUE);
        chain.doFilter(request, response);
    }

    /** Why the request is refused, or {@code null} when it may go on. */
    static String refusal(HttpServletRequest request, Supplier<DashboardSettings> settings) {
        String method = request.getMethod();
        String origin = request.getHeader("Origin");
        if (origin != null) {
            if (!isOwn(origin, request, settings)) {
                return method + " refused: it comes from another origin (Origin: " + origin + "), and this "
                        + "application is " + own(request) + "; an origin of your own goes in "
                        + "apiary.dashboard.allowed-origins";
            }
        } else {
            String site = request.getHeader("Sec-Fetch-Site");
            if (site != null) {
                // "none": the user's own navigation (a bookmark, the address bar)
                if (!site.equals("same-origin") && !site.equals("none")) {
                    return method + " refused: the browser says it comes from another site (Sec-Fetch-Site: "
                            + site + ")";
                }
            } else {
                String referer = request.getHeader("Referer");
                if (referer != null && !isOwn(origin(referer), request, settings)) {
                    return method + " refused: it comes from another origin (Referer: " + referer + "), and this "
                            + "application is " + own(request);
                }
            }
        }
        String header = request.getHeader(HEADER);
        if (header == null || header.isBlank()) {
            return method + " refused: the header '" + HEADER + "' is missing (any value): the application's own "
                    + "pages send it, a script adds it (curl -H '" + HEADER + ": cli'), a page of another origin "
                    + "cannot";
        }
        return null;
    }

    private static boolean isOwn(String origin, HttpServletRequest request, Supplier<DashboardSettings> settings) {
        if (origin == null) {
            return false;
        }
        String authority = authority(origin);
        if (authority != null && (authority.equals(normalise(request.getHeader("Host")))
                || authority.equals(normalise(request.getServerName() + ":" + request.getServerPort())))) {
            return true;
        }
        String trimmed = stripSlash(origin.trim()).toLowerCase(Locale.ROOT);
        return settings.get().allowedOrigins().stream().anyMatch(o -> stripSlash(o.trim()).toLowerCase(Locale.ROOT)
                .equals(trimmed));
    }

    /**
     * The host and port of an origin, without the scheme's default port; {@code null} for an opaque origin
     * ({@code null}: a sandboxed frame, a file, a redirect across origins) or one that is not a URL.
     */
    static String authority(String origin) {
        try {
            URI uri = URI.create(origin.trim());
            if (uri.getHost() == null || uri.getScheme() == null) {
                return null;
            }
            String host = uri.getHost().toLowerCase(Locale.ROOT);
            return uri.getPort() == -1 || uri.getPort() == defaultPort(uri.getScheme()) ? host
                    : host + ":" + uri.getPort();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * A {@code Host} header as the browser wrote it, or the server's name and port, without a default port: the
     * origin the browser sees, also behind a proxy that ends TLS (where the request's own scheme and port are the
     * proxy's). The server's name and port (from the {@code Host} header, or the connection) count as well, as
     * HTTP/2 names the host in {@code :authority}, which Open Liberty does not show as a {@code Host} header.
     */
    private static String normalise(String host) {
        if (host == null) {
            return null;
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.endsWith(":80") || h.endsWith(":443") ? h.substring(0, h.lastIndexOf(':')) : h;
    }

    private static String own(HttpServletRequest request) {
        String host = request.getHeader("Host");
        return host != null ? host : request.getServerName() + ":" + request.getServerPort();
    }

    private static String origin(String url) {
        try {
            URI uri = URI.create(url.trim());
            return uri.getScheme() == null || uri.getRawAuthority() == null ? null
                    : uri.getScheme() + "://" + uri.getRawAuthority();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int defaultPort(String scheme) {
        return switch (scheme.toLowerCase(Locale.ROOT)) {
            case "http" -> 80;
            case "https" -> 443;
            default -> -1;
        };
    }

    private static String stripSlash(String origin) {
        return origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
    }

    private static void refuse(HttpServletResponse response, String message) throws IOException {
        response.resetBuffer();
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write("{\"status\":403,\"error\":\"Forbidden\",\"message\":\""
                + DashboardLogin.json(message) + "\"}");
    }
}
