package dev.apiary.examples.war.smoke;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard on a server: its page and one API call need a user, and the example's admin gets both; every answer
 * carries the security headers, and an action needs the header {@code X-Requested-By} and no other origin. The full
 * REST and browser tests are {@code dashboard.DashboardIT} (Payara Micro).
 */
public final class DashboardSmoke {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private DashboardSmoke() {
    }

    public static void assertOn(ServerProcess server) throws Exception {
        URI page = server.app().resolve("apiary/index.html");
        URI queues = server.app().resolve("apiary/api/queues");

        assertThat(get(page, null).statusCode()).as("the dashboard page without a user").isEqualTo(401);
        HttpResponse<String> shown = get(page, "admin:admin");
        assertThat(shown.statusCode()).as("the dashboard page for admin: " + shown.body()).isEqualTo(200);
        assertThat(shown.body()).contains("app.js");

        assertThat(get(queues, null).statusCode()).as("the API without a user").isEqualTo(401);
        HttpResponse<String> listed = get(queues, "admin:admin");
        assertThat(listed.statusCode()).as("the API for admin: " + listed.body()).isEqualTo(200);
        assertThat(listed.body()).contains("\"name\":\"email\"", "\"counts\"");

        // the security headers: on the page, on the API, and on a refusal
        for (HttpResponse<String> answer : List.of(shown, listed, get(queues, null))) {
            String what = answer.request().method() + " " + answer.uri() + " -> " + answer.statusCode();
            assertThat(answer.headers().firstValue("Content-Security-Policy")).as(what)
                    .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'none'", "script-src 'self'",
                            "frame-ancestors 'none'").doesNotContain("unsafe"));
            assertThat(answer.headers().firstValue("X-Frame-Options")).as(what).hasValue("DENY");
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
            assertThat(answer.headers().firstValue("Referrer-Policy")).as(what).hasValue("same-origin");
        }
        // (Open Liberty adds no-cache="set-cookie" to the value)
        assertThat(listed.headers().firstValue("Cache-Control")).as("API answers are not cached")
                .hasValueSatisfying(value -> assertThat(value).contains("no-store"));

        // an action needs the header X-Requested-By, and from a browser the application's own origin
        URI retry = server.app().resolve("apiary/api/queues/email/jobs/no-such-job/retry");
        HttpResponse<String> noHeader = send("POST", retry, Map.of());
        assertThat(noHeader.statusCode()).as("an action without the header: " + noHeader.body()).isEqualTo(403);
        assertThat(noHeader.body()).contains("'X-Requested-By' is missing");
        String origin = server.app().getScheme() + "://" + server.app().getRawAuthority();
        HttpResponse<String> forged = send("POST", retry, Map.of("X-Requested-By", "x",
                "Origin", "http://attacker.example"));
        assertThat(forged.statusCode()).as("an action from another origin: " + forged.body()).isEqualTo(403);
        assertThat(forged.body()).contains("another origin (Origin: http://attacker.example)");
        HttpResponse<String> crossSite = send("DELETE", retry, Map.of("X-Requested-By", "x",
                "Sec-Fetch-Site", "cross-site"));
        assertThat(crossSite.statusCode()).as("an action from another site: " + crossSite.body()).isEqualTo(403);
        HttpResponse<String> ownPage = send("POST", retry, Map.of("X-Requested-By", "apiary-dashboard",
                "Origin", origin, "Sec-Fetch-Site", "same-origin"));
        assertThat(ownPage.statusCode()).as("an action of the dashboard's page, past the checks: " + ownPage.body())
                .isEqualTo(404);
        HttpResponse<String> script = send("POST", retry, Map.of("X-Requested-By", "cli"));
        assertThat(script.statusCode()).as("an action of a script, past the checks: " + script.body())
                .isEqualTo(404);
    }

    private static HttpResponse<String> send(String method, URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8)));
        headers.forEach(request::header);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Lets WildFly authenticate with the example's own Jakarta Security identity store: its default application
     * security domain otherwise asks Elytron's {@code ApplicationDomain}, where the example's users do not exist.
     */
    static void allowApplicationIdentityStore(java.nio.file.Path standaloneXml) throws java.io.IOException {
        String xml = java.nio.file.Files.readString(standaloneXml);
        String domain = "<application-security-domain name=\"other\" security-domain=\"ApplicationDomain\"";
        if (!xml.contains(domain)) {
            throw new IllegalStateException("no default application security domain in " + standaloneXml);
        }
        java.nio.file.Files.writeString(standaloneXml, xml.replace(domain, domain + " integrated-jaspi=\"false\""));
    }

    private static HttpResponse<String> get(URI uri, String user) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15));
        if (user != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8)));
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
