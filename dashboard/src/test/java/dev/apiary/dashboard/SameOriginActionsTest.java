package dev.apiary.dashboard;

import jakarta.servlet.FilterChain;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The forgery check of the dashboard's actions: the header every action carries, and where it may come from. */
class SameOriginActionsTest {

    /** Settings that a request from the application's own origin never needs. */
    private static final Supplier<DashboardSettings> NOT_NEEDED = () -> {
        throw new AssertionError("the settings were looked up for a request of the application's own origin");
    };

    private static ServletExchange action(String method) {
        return new ServletExchange(method).header("Host", "dash.example.com");
    }

    private static String refusal(ServletExchange exchange, Supplier<DashboardSettings> settings) {
        return SameOriginActions.refusal(exchange.request(), settings);
    }

    private static Supplier<DashboardSettings> allowing(String... origins) {
        return () -> Requests.settings("apiary-viewer", "apiary-admin", false, false, origins);
    }

    @Test
    void anActionFromTheOwnOriginWithTheHeaderPasses() {
        ServletExchange post = action("POST").header("Origin", "https://dash.example.com")
                .header(SameOriginActions.HEADER, "dashboard");

        assertThat(refusal(post, NOT_NEEDED)).isNull();
    }

    @Test
    void anActionWithoutTheHeaderIsRefusedSayingHowToAddIt() {
        ServletExchange post = action("DELETE").header("Origin", "https://dash.example.com");

        assertThat(refusal(post, NOT_NEEDED)).startsWith("DELETE refused: the header 'X-Requested-By' is missing")
                .contains("curl -H 'X-Requested-By: cli'");
        assertThat(refusal(action("POST").header(SameOriginActions.HEADER, " "), NOT_NEEDED))
                .as("a blank value").contains("is missing");
    }

    @Test
    void aScriptWithoutOriginPassesWithTheHeader() {
        assertThat(refusal(action("POST").header(SameOriginActions.HEADER, "cli"), NOT_NEEDED)).isNull();
    }

    @Test
    void anActionFromAnotherOriginIsRefusedEvenWithTheHeader() {
        ServletExchange forged = action("POST").header("Origin", "https://evil.example.net")
                .header(SameOriginActions.HEADER, "x");

        assertThat(refusal(forged, allowing())).isEqualTo("POST refused: it comes from another origin (Origin: "
                + "https://evil.example.net), and this application is dash.example.com; an origin of your own goes "
                + "in apiary.dashboard.allowed-origins");
    }

    @Test
    void anAllowedOriginPassesWhateverItsCaseAndTrailingSlash() {
        ServletExchange ops = action("POST").header("Origin", "https://OPS.example.com")
                .header(SameOriginActions.HEADER, "x");

        assertThat(refusal(ops, allowing("https://other.example.org", " https://ops.example.com/ "))).isNull();
        assertThat(refusal(ops, allowing("http://ops.example.com"))).as("another scheme is another origin")
                .contains("another origin");
    }

    @Test
    void theDefaultPortIsTheSameOriginAndAnotherPortIsNot() {
        ServletExchange withPort = action("POST").header("Origin", "https://dash.example.com:443")
                .header(SameOriginActions.HEADER, "x");
        ServletExchange otherPort = action("POST").header("Origin", "https://dash.example.com:8443")
                .header(SameOriginActions.HEADER, "x");

        assertThat(refusal(withPort, NOT_NEEDED)).isNull();
        assertThat(refusal(otherPort, allowing())).contains("another origin");
    }

    @Test
    void theServersNameAndPortCountWhenTheHostHeaderIsMissing() {
        ServletExchange http2 = new ServletExchange("POST").header("Origin", "https://dash.example.com:8443")
                .header(SameOriginActions.HEADER, "x");
        http2.serverPort = 8443;

        assertThat(refusal(http2, NOT_NEEDED)).isNull();
    }

    @Test
    void anOpaqueOriginIsNeverTheOwn() {
        ServletExchange sandboxed = action("POST").header("Origin", "null").header(SameOriginActions.HEADER, "x");

        assertThat(refusal(sandboxed, allowing())).contains("Origin: null");
        assertThat(SameOriginActions.authority("null")).isNull();
        assertThat(SameOriginActions.authority("HTTPS://Dash.Example.com:443")).isEqualTo("dash.example.com");
        assertThat(SameOriginActions.authority("http://dash.example.com:8080")).isEqualTo("dash.example.com:8080");
    }

    @Test
    void withoutOriginTheBrowsersFetchSiteDecides() {
        assertThat(refusal(action("POST").header("Sec-Fetch-Site", "cross-site").header(SameOriginActions.HEADER,
                "x"), NOT_NEEDED)).isEqualTo("POST refused: the browser says it comes from another site "
                + "(Sec-Fetch-Site: cross-site)");
        assertThat(refusal(action("POST").header("Sec-Fetch-Site", "same-site").header(SameOriginActions.HEADER,
                "x"), NOT_NEEDED)).as("a sibling subdomain is another origin").contains("another site");
        assertThat(refusal(action("POST").header("Sec-Fetch-Site", "same-origin").header(SameOriginActions.HEADER,
                "x"), NOT_NEEDED)).isNull();
        assertThat(refusal(action("POST").header("Sec-Fetch-Site", "none").header(SameOriginActions.HEADER,
                "x"), NOT_NEEDED)).as("the user's own navigation").isNull();
    }

    @Test
    void withoutOriginOrFetchSiteTheRefererDecides() {
        ServletExchange own = action("POST").header("Referer", "https://dash.example.com/apiary/")
                .header(SameOriginActions.HEADER, "x");
        ServletExchange other = action("POST").header("Referer", "https://evil.example.net/page?x=1")
                .header(SameOriginActions.HEADER, "x");

        assertThat(refusal(own, NOT_NEEDED)).isNull();
        assertThat(refusal(other, allowing())).startsWith("POST refused: it comes from another origin (Referer: "
                + "https://evil.example.net/page?x=1)");
    }

    @Test
    void readsPassWithoutTheHeaderAndAreMarked() throws Exception {
        for (String method : new String[] {"GET", "HEAD", "OPTIONS"}) {
            ServletExchange read = action(method).header("Origin", "https://evil.example.net");
            boolean[] passed = {false};

            new SameOriginActions().doFilter(read.request(), read.response(), (req, res) -> passed[0] = true);

            assertThat(passed[0]).as(method).isTrue();
            assertThat(read.attributes).as(method).containsEntry(SameOriginActions.PASSED, Boolean.TRUE);
        }
    }

    @Test
    void aRefusedActionIsAnsweredWithA403JsonAndGoesNoFurther() throws Exception {
        ServletExchange post = action("POST").header("Origin", "https://dash.example.com");
        FilterChain chain = (req, res) -> {
            throw new AssertionError("a refused action went on");
        };

        new SameOriginActions().doFilter(post.request(), post.response(), chain);

        assertThat(post.status).isEqualTo(403);
        assertThat(post.contentType).isEqualTo("application/json");
        assertThat(post.encoding).isEqualTo("UTF-8");
        assertThat(post.body.toString()).startsWith("{\"status\":403,\"error\":\"Forbidden\",\"message\":\"POST "
                + "refused: the header 'X-Requested-By' is missing").endsWith("\"}");
        assertThat(post.attributes).doesNotContainKey(SameOriginActions.PASSED);
    }

    @Test
    void aPassedActionGoesOnMarked() throws Exception {
        ServletExchange post = action("POST").header("Origin", "https://dash.example.com")
                .header(SameOriginActions.HEADER, "dashboard");
        boolean[] passed = {false};

        new SameOriginActions().doFilter(post.request(), post.response(), (req, res) -> passed[0] = true);

        assertThat(passed[0]).isTrue();
        assertThat(post.status).isEqualTo(200);
        assertThat(post.attributes).containsEntry(SameOriginActions.PASSED, Boolean.TRUE);
    }
}
