package dev.apiary.examples.quarkus;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

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

/**
 * The application on Quarkus, on an embedded PostgreSQL: a push in a request's transaction stores a pending job,
 * a push whose transaction rolls back leaves none, and readiness answers UP.
 */
@QuarkusTest
@QuarkusTestResource(value = EmbeddedPostgresResource.class, restrictToAnnotatedClass = true)
class QuarkusApplicationTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TestHTTPResource("/")
    URI root;

    @Test
    void aPushInTheRequestsTransactionStoresAPendingJob() throws Exception {
        HttpResponse<String> response = post("api/greetings/ada");

        assertThat(response.statusCode()).isEqualTo(200);
        // no worker runs here yet, so the job waits
        assertThat(status(response.body())).contains("PENDING");
        assertThat(countByPayload("ada")).isEqualTo(1);
    }

    @Test
    void aPushWhoseTransactionRollsBackLeavesNoJob() throws Exception {
        HttpResponse<String> response = post("api/greetings/ghost?fail=true");

        assertThat(response.statusCode()).isEqualTo(409);
        String id = response.body().replaceAll(".*job (\\S+) was never pushed.*", "$1");
        assertThat(id).isNotBlank().doesNotContain(" ");
        assertThat(status(id)).isEmpty();
        assertThat(countByPayload("ghost")).isZero();
    }

    @Test
    void readinessIsUp() throws Exception {
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(root.resolve("q/health/ready"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\": \"UP\"");
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
