package dev.apiary.examples.minimal;

import dev.apiary.dashboard.DashboardApplication;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The minimal WAR with {@code apiary-dashboard} added, on WildFly: its JAX-RS {@code Application} lists no classes,
 * so it takes every {@code @Path} class of the WAR, the dashboard's resources too, and serves them under its own
 * {@code /api} without the dashboard's login, role check and forgery check. There they find nothing (404) and change
 * nothing; under the dashboard's own {@code /apiary/api} they serve as always. The dashboard is open to anyone here
 * ({@code apiary.dashboard.allow-anonymous=true}, the minimal application has no users) to read the counts back.
 */
class WildFlyScanningWithDashboardIT {

    @Test
    void theDashboardsResourcesServeNothingUnderAScanningApplication() throws Exception {
        MinimalServer server = new MinimalServer("wildfly-dashboard") {
            private final int offset = 21_000 + (int) (ProcessHandle.current().pid() % 9_000);

            @Override
            List<String> prepare(Path war, Path work) throws IOException {
                Path home = Path.of(System.getProperty("minimal.wildfly"));
                Path base = work.resolve("base");
                copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
                Files.createDirectories(base.resolve("deployments"));
                withDashboard(war, base.resolve("deployments").resolve(war.getFileName()));
                return List.of("bash", home.resolve("bin/standalone.sh").toString(), "-c",
                        "standalone-microprofile.xml", "-Djboss.server.base.dir=" + base,
                        "-Djboss.socket.binding.port-offset=" + offset, "-Djboss.bind.address=127.0.0.1",
                        "-Djboss.bind.address.management=127.0.0.1");
            }

            @Override
            void environment(ProcessBuilder builder) {
                builder.environment().put("JAVA_OPTS", "-Xmx512m -Djava.net.preferIPv4Stack=true");
                builder.environment().put("APIARY_DASHBOARD_ALLOW_ANONYMOUS", "true");
            }

            @Override
            URI app() {
                return URI.create("http://127.0.0.1:" + (8080 + offset) + "/apiary-minimal/");
            }
        };
        try (server) {
            server.start();
            await("the application answers").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        assertThat(server.isAlive()).as("server process is alive; log:\n%s", server.logText())
                                .isTrue();
                        assertThat(server.logText()).as("deployment log").doesNotContain("WFLYCTL0013",
                                "WFLYSRV0021");
                        try {
                            return send(server, "GET", "apiary/api/queues").statusCode() == 200;
                        } catch (IOException e) {
                            return false;
                        }
                    });
            // given: three greetings done
            String id = null;
            for (String name : List.of("ada", "grace", "barbara")) {
                HttpResponse<String> pushed = send(server, "POST", "api/greetings/" + name);
                assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
                id = pushed.body();
            }
            await("every greeting ran").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> done(server) == 3);

            // when: the dashboard's API is called anonymously under the application's own path
            String[][] calls = {{"GET", "api/queues"}, {"GET", "api/queues/greetingWorker/jobs?status=DONE"},
                {"GET", "api/queues/greetingWorker/jobs/" + id}, {"GET", "api/workers"}, {"GET", "api/session"},
                {"GET", "api/schedules"}, {"DELETE", "api/queues/greetingWorker/jobs?status=DONE"},
                {"DELETE", "api/queues/greetingWorker/jobs/" + id},
                {"POST", "api/queues/greetingWorker/jobs/" + id + "/retry"}};
            for (String[] call : calls) {
                HttpResponse<String> answer = send(server, call[0], call[1]);
                System.out.printf("scanning Application, anonymous %s /apiary-minimal/%s -> %d%n", call[0], call[1],
                        answer.statusCode());
                // then: nothing is served
                assertThat(answer.statusCode()).as(call[0] + " " + call[1] + ": " + answer.body()).isIn(401, 404);
                assertThat(answer.body()).as(call[0] + " " + call[1]).doesNotContain("greetingWorker", "DONE");
            }

            // and nothing changed: the three jobs are there, and the same deletion through the dashboard's own
            // application (open to anyone here) deletes them
            assertThat(done(server)).isEqualTo(3);
            assertThat(send(server, "GET", "apiary/api/queues/greetingWorker/jobs/" + id).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> deleted = send(server, "DELETE", "apiary/api/queues/greetingWorker/jobs?status=DONE");
            assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
            assertThat(deleted.body()).contains("\"jobs\":3");
            assertThat(done(server)).isZero();
        }
    }

    /** The DONE count of queue greetingWorker, through the dashboard's own API. */
    private static long done(MinimalServer server) throws Exception {
        HttpResponse<String> queues = send(server, "GET", "apiary/api/queues");
        assertThat(queues.statusCode()).as(queues.body()).isEqualTo(200);
        // each queue is an object with one nested object (its counts), in whatever order JSON-B writes them
        Matcher queue = Pattern.compile("\\{[^{}]*(\\{[^{}]*\\})?[^{}]*\\}").matcher(queues.body());
        while (queue.find()) {
            if (queue.group().contains("\"name\":\"greetingWorker\"")) {
                Matcher done = Pattern.compile("\"DONE\":(\\d+)").matcher(queue.group());
                return done.find() ? Long.parseLong(done.group(1)) : 0;
            }
        }
        throw new AssertionError("no queue greetingWorker in " + queues.body());
    }

    /** Anonymous, with the header an action needs: only the resources' own guard can refuse it. */
    private static HttpResponse<String> send(MinimalServer server, String method, String path)
            throws IOException, InterruptedException {
        return MinimalServer.HTTP.send(HttpRequest.newBuilder(server.app().resolve(path))
                .timeout(Duration.ofSeconds(10)).header("X-Requested-By", "apiary-test")
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The minimal WAR with the dashboard's jar in {@code WEB-INF/lib}. */
    private static void withDashboard(Path war, Path copy) throws IOException {
        Path dashboard;
        try {
            dashboard = Path.of(DashboardApplication.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(war));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("WEB-INF/lib/apiary-dashboard.jar"));
            if (Files.isDirectory(dashboard)) {
                jar(dashboard, out);
            } else {
                Files.copy(dashboard, out);
            }
            out.closeEntry();
        }
    }

    /** The classes directory of the dashboard (a build that did not package it) as a jar. */
    private static void jar(Path classes, OutputStream target) throws IOException {
        ZipOutputStream jar = new ZipOutputStream(target);
        try (var paths = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
                jar.putNextEntry(new ZipEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, jar);
                jar.closeEntry();
            }
        }
        jar.finish();
    }
}
