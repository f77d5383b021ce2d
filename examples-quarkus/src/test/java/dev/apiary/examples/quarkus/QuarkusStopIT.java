package dev.apiary.examples.quarkus;

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
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}, as {@code java -jar} runs it in production)
 * in a JVM of its own on an embedded PostgreSQL: SIGTERM while a 3 s job runs lets it finish before the JVM exits,
 * and a wrong key fails the start with a message naming it. Prints the time from the process start to ready and to
 * the first job done.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuarkusStopIT {

    private static EmbeddedPostgres postgres;
    private static Process quarkus;
    private static Path log;
    private static int port;
    private static long startNanos;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
        port = freePort();
        Path work = Path.of("target/quarkus-it");
        Files.createDirectories(work);
        log = work.resolve("quarkus.log");
        startNanos = System.nanoTime();
        quarkus = launch(port, log, "-Dapiary.shutdown.grace-period=PT30S");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(quarkus.isAlive()).as("Quarkus exited; see %s", log).isTrue();
            return get("/q/health/ready").filter(r -> r.statusCode() == 200).isPresent();
        });
        System.out.printf("Quarkus: ready %d ms after the process started%n", millisSinceStart());
    }

    @AfterAll
    static void stop() throws IOException, InterruptedException {
        if (quarkus != null && quarkus.isAlive()) {
            quarkus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    @Order(1)
    void sigtermLetsARunningJobFinish() throws Exception {
        String first = post("/api/greetings/ada").body();
        await().atMost(Duration.ofSeconds(20)).until(() -> status(first).equals(Optional.of("DONE")));
        System.out.printf("Quarkus: first job done %d ms after the process started%n", millisSinceStart());

        String id = post("/api/greetings/slow-3000").body();
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals(Optional.of("RUNNING")));
        // running, not only claimed: a job claimed but not started when the stop begins is handed back
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("Greeting slow-3000"));

        quarkus.destroy(); // SIGTERM

        assertThat(quarkus.waitFor(45, TimeUnit.SECONDS)).as("Quarkus stopped; see %s", log).isTrue();
        assertThat(status(id)).contains("DONE");
    }

    @Test
    @Order(2)
    void aWrongKeyFailsTheStartNamingIt() throws Exception {
        Path badLog = log.resolveSibling("quarkus-bad-key.log");
        Process bad = launch(freePort(), badLog, "-Dapiary.workers.greetingWorker.concurrency=0");

        assertThat(bad.waitFor(90, TimeUnit.SECONDS)).as("Quarkus with a bad key exited; see %s", badLog).isTrue();
        assertThat(bad.exitValue()).isNotZero();
        assertThat(Files.readString(badLog)).contains("Apiary cannot start")
                .contains("apiary.workers.greetingWorker.concurrency");
    }

    /** The packaged application on {@code port}, its output to {@code output}, with {@code settings} added. */
    private static Process launch(int port, Path output, String... settings) throws IOException {
        Path work = output.getParent();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.datasource.jdbc.url=jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres",
                // Narayana's transaction log, which it keeps in the working directory by default
                "-Dquarkus.transaction-manager.object-store.directory="
                        + work.resolve("tx-object-store").toAbsolutePath()));
        command.addAll(List.of(settings));
        command.addAll(List.of("-jar", Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString()));
        return new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
    }

    private static long millisSinceStart() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static Optional<String> status(String id) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT status FROM apiary_jobs WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
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

    private static HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
