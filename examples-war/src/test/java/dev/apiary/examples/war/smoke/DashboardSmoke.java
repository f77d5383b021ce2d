package dev.apiary.examples.war.smoke;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard on a server: its page and one API call need a user, and the example's admin gets both. The full
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
