package dev.apiary.examples.war.dashboard;

import dev.apiary.examples.war.smoke.OpenLiberty;
import dev.apiary.examples.war.smoke.PayaraMicro;
import dev.apiary.examples.war.smoke.ServerProcess;
import dev.apiary.examples.war.smoke.WildFly;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code apiary.dashboard.allow-anonymous=true} (an environment variable here) on each server: a caller with no
 * credentials at all gets the page, reads and acts. Each server boots once more, so this runs only on demand
 * ({@code -Ddashboard.anonymous.servers=wildfly,open-liberty,payara-micro}); {@link DashboardIT} checks Payara Micro in
 * every build, and the smoke tests check on every server that the dashboard asks for a login with the key off.
 */
@EnabledIfSystemProperty(named = "dashboard.anonymous.servers", matches = ".+")
class AnonymousDashboardIT {

    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(300);
    private static final Map<String, Supplier<ServerProcess>> SERVERS = Map.of("wildfly", WildFly::new,
            "open-liberty", OpenLiberty::new, "payara-micro", PayaraMicro::new);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @ParameterizedTest
    @ValueSource(strings = {"wildfly", "open-liberty", "payara-micro"})
    void anAnonymousCallerReadsAndActs(String name) throws Exception {
        if (!System.getProperty("dashboard.anonymous.servers").contains(name)) {
            return;
        }
        Path war = Path.of(System.getProperty("smoke.war", "target/apiary-example.war"));
        Path work = Path.of(System.getProperty("smoke.work", "target/smoke")).resolve("anonymous-" + name);
        try (ServerProcess server = SERVERS.get(name).get()) {
            server.start(war, work, Map.of("APIARY_DASHBOARD_ALLOW_ANONYMOUS", "true"));
            Instant deadline = Instant.now().plus(BOOT_TIMEOUT);
            HttpResponse<String> session = null;
            while (Instant.now().isBefore(deadline)) {
                if (!server.isAlive() || server.deploymentFailure().isPresent()) {
                    throw new AssertionError(name + " did not deploy the WAR:\n" + server.logTail(60));
                }
                try {
                    session = get(server.app().resolve("apiary/api/session"));
                    if (session.statusCode() != 404 && session.statusCode() != 503) {
                        break;
                    }
                } catch (java.io.IOException e) {
                    // not listening yet
                }
                Thread.sleep(500);
            }
            assertThat(session).as(name + " answered nothing within " + BOOT_TIMEOUT).isNotNull();
            assertThat(session.statusCode()).as(name + " session, anonymous: " + session.body()).isEqualTo(200);
            assertThat(session.body()).contains("\"admin\":true");

            HttpResponse<String> page = get(server.app().resolve("apiary/index.html"));
            assertThat(page.statusCode()).as(name + " page, anonymous").isEqualTo(200);
            HttpResponse<String> queues = get(server.app().resolve("apiary/api/queues"));
            assertThat(queues.statusCode()).as(name + " queues, anonymous: " + queues.body()).isEqualTo(200);
            assertThat(queues.body()).contains("\"name\":\"email\"");
            HttpResponse<String> retry = http.send(HttpRequest.newBuilder(
                            server.app().resolve("apiary/api/queues/email/jobs/no-such-job/retry"))
                    .timeout(Duration.ofSeconds(15)).header("X-Requested-By", "apiary-test")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(retry.statusCode()).as(name + " an action, anonymous, past the role check: " + retry.body())
                    .isEqualTo(404);
            assertThat(server.logLines()).as(name + " warns at start-up")
                    .anyMatch(l -> l.contains("apiary.dashboard.allow-anonymous=true"));
            System.out.printf("%s: anonymous caller reads and acts with apiary.dashboard.allow-anonymous=true%n",
                    name);
        }
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
