package dev.apiary.examples.helidon;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application on Helidon MP, in a JVM of its own on an embedded PostgreSQL: a pushed job runs, the interceptor
 * layers run in their documented order (with the test's {@link LayeredWorker}), a push whose transaction rolls back
 * leaves no job, readiness and liveness show Apiary's checks, the recurring schedule fires,
 * and SIGTERM lets a running job finish. Prints the time from the process start to ready and to the first job done.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelidonApplicationTest {

    private static EmbeddedPostgres postgres;
    private static Process helidon;
    private static Path log;
    private static int port;
    private static long startNanos;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
        port = freePort();
        Path work = Path.of(System.getProperty("helidon.work", "target/helidon-it"));
        Files.createDirectories(work);
        log = work.resolve("helidon.log");
        List<String> command = new ArrayList<>(List.of(System.getProperty("helidon.java", "java"),
                "-cp", System.getProperty("java.class.path"),
                "-Dserver.port=" + port, "-Dserver.host=127.0.0.1",
                "-Djavax.sql.DataSource.apiary.dataSource.url=jdbc:postgresql://localhost:" + postgres.getPort()
                        + "/postgres",
                // the schedule fires every second here, not every minute
                "-Dapiary.schedules.team-greeting.cron=* * * * * *",
                "-Dapiary.shutdown.grace-period=PT30S",
                // Narayana's transaction log, which it keeps in the working directory by default
                "-DObjectStoreEnvironmentBean.objectStoreDir=" + work.resolve("tx-object-store").toAbsolutePath(),
                "io.helidon.microprofile.cdi.Main"));
        startNanos = System.nanoTime();
        helidon = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(helidon.isAlive()).as("Helidon exited; see %s", log).isTrue();
            return get("/health/ready").filter(r -> r.statusCode() == 200).isPresent();
        });
        System.out.printf("Helidon MP: ready %d ms after the process started%n", millisSinceStart());
    }

    @AfterAll
    static void stop() throws IOException, InterruptedException {
        if (helidon != null && helidon.isAlive()) {
            helidon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    @Order(1)
    void aPushedJobRunsOnTheWorkerBean() {
        String id = post("/api/greetings/ada").body();

        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals(Optional.of("DONE")));
        System.out.printf("Helidon MP: first job done %d ms after the process started%n", millisSinceStart());
        assertThat(get("/api/greetings").orElseThrow().body().lines()).contains("ada");
    }

    @Test
    @Order(2)
    void interceptorLayersRunInTheirDocumentedOrder() {
        String id = post("/api/layered").body();

        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals(Optional.of("DONE")));
        // the first attempt failed and was retried by the @Retry interceptor
        assertThat(attempts(id)).isEqualTo(2);
        String outside = "TracingInterceptor>CatchFailureInterceptor>RetryInterceptor>AuditInterceptor";
        String all = outside
                + ">TimeoutInterceptor>JobScopeInterceptor>RateLimitInterceptor>ConcurrencyLimitInterceptor";
        assertThat(get("/api/layered").orElseThrow().body())
                .contains("\"audit:" + id + "#1\":\"" + outside + "\"")
                .contains("\"" + id + "#1\":\"" + all + "\"")
                .contains("\"" + id + "#2\":\"" + all + "\"");
    }

    @Test
    @Order(3)
    void aPushWhoseTransactionRollsBackLeavesNoJob() {
        HttpResponse<String> response = post("/api/greetings/ghost?fail=true");

        assertThat(response.statusCode()).isEqualTo(409);
        String id = response.body().replaceAll(".*job (\\S+) was never pushed.*", "$1");
        assertThat(id).isNotBlank().doesNotContain(" ");
        assertThat(status(id)).isEmpty();
        assertThat(countByPayload("ghost")).isZero();
    }

    @Test
    @Order(4)
    void readinessAndLivenessShowApiarysChecks() {
        String ready = get("/health/ready").orElseThrow().body();
        assertThat(ready).contains("\"apiary-workers\"").contains("\"monitor\":\"running\"")
                .contains("\"storage.greetingWorker\":\"available\"")
                .contains("\"executor\":\"Apiary's own threads, timed on Apiary's own scheduler\"");
        HttpResponse<String> live = get("/health/live").orElseThrow();
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("\"apiary-pollers\"");
    }

    @Test
    @Order(5)
    void theRecurringScheduleFires() {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> get("/api/greetings").orElseThrow().body().lines().anyMatch("team"::equals));
    }

    @Test
    @Order(6)
    void sigtermLetsARunningJobFinish() throws InterruptedException {
        String id = post("/api/greetings/slow-3000").body();
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals(Optional.of("RUNNING")));

        helidon.destroy(); // SIGTERM

        boolean exited = helidon.waitFor(45, TimeUnit.SECONDS);
        if (!exited) {
            threadDump();
        }
        assertThat(exited).as("Helidon stopped; see %s", log).isTrue();
        assertThat(status(id)).contains("DONE");
    }

    /** What the JVM that did not stop is doing, appended to its log. */
    private static void threadDump() {
        Path jcmd = Path.of(System.getProperty("helidon.java", "java")).resolveSibling("jcmd");
        try {
            new ProcessBuilder(jcmd.toString(), Long.toString(helidon.pid()), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start().waitFor(20, TimeUnit.SECONDS);
        } catch (IOException e) {
            System.out.println("No thread dump: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long millisSinceStart() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static Optional<String> status(String id) {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT status FROM apiary_jobs WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int attempts(String id) {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT attempts FROM apiary_jobs WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).as("job %s is stored", id).isTrue();
                return r.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int countByPayload(String name) {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM apiary_jobs WHERE payload LIKE ?")) {
            s.setString(1, "%\"" + name + "\"%");
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<HttpResponse<String>> get(String path) {
        try {
            return Optional.of(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static HttpResponse<String> post(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("POST " + path + " failed; see " + log, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
