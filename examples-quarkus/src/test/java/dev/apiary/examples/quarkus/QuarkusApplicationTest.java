package dev.apiary.examples.quarkus;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application on Quarkus, on an embedded PostgreSQL: a pushed job runs on the worker bean, the interceptor layers
 * run in their documented order (with the test's {@link LayeredWorker}), a push whose transaction rolls back leaves
 * no job, readiness and liveness show Apiary's checks, a job's span is a child of the request that pushed it, and the
 * recurring schedule fires. Stopping by SIGTERM, which
 * needs a JVM of its own, is {@code QuarkusStopIT}'s.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedPostgresResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuarkusApplicationTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TestHTTPResource("/")
    URI root;

    @Inject
    InMemorySpanExporter spans;

    @Test
    @Order(1)
    void aPushedJobRunsOnTheWorkerBean() throws Exception {
        HttpResponse<String> response = post("api/greetings/ada");

        assertThat(response.statusCode()).isEqualTo(200);
        String id = response.body();
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals(Optional.of("DONE")));
        assertThat(get("api/greetings").body().lines()).contains("ada");
    }

    @Test
    @Order(2)
    void interceptorLayersRunInTheirDocumentedOrder() throws Exception {
        String id = post("api/layered").body();

        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals(Optional.of("DONE")));
        // the first attempt failed and was retried by the @Retry interceptor
        assertThat(attempts(id)).isEqualTo(2);
        String outside = "TracingInterceptor>CatchFailureInterceptor>RetryInterceptor>AuditInterceptor";
        String all = outside
                + ">TimeoutInterceptor>JobScopeInterceptor>RateLimitInterceptor>ConcurrencyLimitInterceptor";
        assertThat(get("api/layered").body())
                .contains("\"audit:" + id + "#1\":\"" + outside + "\"")
                .contains("\"" + id + "#1\":\"" + all + "\"")
                .contains("\"" + id + "#2\":\"" + all + "\"");
    }

    @Test
    @Order(3)
    void aPushWhoseTransactionRollsBackLeavesNoJob() throws Exception {
        HttpResponse<String> response = post("api/greetings/ghost?fail=true");

        assertThat(response.statusCode()).isEqualTo(409);
        String id = response.body().replaceAll(".*job (\\S+) was never pushed.*", "$1");
        assertThat(id).isNotBlank().doesNotContain(" ");
        assertThat(status(id)).isEmpty();
        assertThat(countByPayload("ghost")).isZero();
    }

    @Test
    @Order(4)
    void readinessAndLivenessShowApiarysChecks() throws Exception {
        HttpResponse<String> ready = get("q/health/ready");

        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"apiary-workers\"").contains("\"monitor\": \"running\"")
                .contains("\"storage.greetingWorker\": \"available\"")
                .contains("\"executor\": \"MicroProfile Context Propagation ManagedExecutor, timed on Apiary's own"
                        + " scheduler\"");
        HttpResponse<String> live = get("q/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("\"apiary-pollers\"");
    }

    @Test
    @Order(5)
    void aJobRunsInAChildSpanOfTheRequestThatPushedIt() throws Exception {
        String id = post("api/greetings/grace").body();
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals(Optional.of("DONE")));

        SpanData attempt = await().atMost(Duration.ofSeconds(20)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> id.equals(s.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))))
                .findFirst(), Optional::isPresent).orElseThrow();
        assertThat(attempt.getName()).isEqualTo("process greetingWorker");
        assertThat(attempt.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(attempt.getAttributes().get(AttributeKey.stringKey("apiary.job.outcome"))).isEqualTo("done");
        // the server span of POST /api/greetings/{name}, which pushed the job in its transaction
        SpanData request = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(attempt.getTraceId()))
                .findFirst().orElseThrow(() -> new AssertionError("no server span in trace "
                        + attempt.getTraceId() + " among " + spans.getFinishedSpanItems()));
        assertThat(request.getName()).startsWith("POST");
    }

    @Test
    @Order(6)
    void theRecurringScheduleFires() {
        // every second in the test profile (application.properties), every minute otherwise
        await().atMost(Duration.ofSeconds(20)).until(() -> get("api/greetings").body().lines().anyMatch("team"::equals));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(root.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(root.resolve(path)).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Optional<String> status(String id) throws SQLException {
        try (Connection c = EmbeddedPostgresResource.postgres.getPostgresDatabase().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT status FROM apiary_jobs WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
        }
    }

    private static int attempts(String id) throws SQLException {
        try (Connection c = EmbeddedPostgresResource.postgres.getPostgresDatabase().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT attempts FROM apiary_jobs WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).as("job %s is stored", id).isTrue();
                return r.getInt(1);
            }
        }
    }

    private static int countByPayload(String name) throws SQLException {
        try (Connection c = EmbeddedPostgresResource.postgres.getPostgresDatabase().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM apiary_jobs WHERE payload LIKE ?")) {
            s.setString(1, "%\"" + name + "\"%");
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }
}
