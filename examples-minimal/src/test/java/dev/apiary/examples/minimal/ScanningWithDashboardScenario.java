package dev.apiary.examples.minimal;

import dev.apiary.dashboard.DashboardApplication;

import java.io.IOException;
import java.io.OutputStream;
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
 * The minimal WAR with {@code apiary-dashboard} added ({@link MinimalServer#withDashboard()}): its JAX-RS
 * {@code Application} lists no classes, so it takes every {@code @Path} class of the WAR, the dashboard's resources
 * too, and serves them under its own {@code /api} without the dashboard's login, role check and forgery check. There
 * they find nothing (404; 401 would do as well, should a server's own security answer first) and change nothing;
 * under the dashboard's own {@code /apiary/api} they serve as always. The dashboard is open to anyone here
 * ({@code apiary.dashboard.allow-anonymous=true}, the minimal application has no users) to read the counts back.
 */
final class ScanningWithDashboardScenario {

    private ScanningWithDashboardScenario() {
    }

    static void run(MinimalServer server) throws Exception {
        try (server) {
            server.start();
            MinimalScenario.awaitAnswer(server, "apiary/api/queues");
            // given: three greetings done
            String id = null;
            for (String name : List.of("ada", "grace", "barbara")) {
                HttpResponse<String> pushed = send(server, "POST", "api/greetings/" + name);
                assertThat(pushed.statusCode()).as("%s\n%s", pushed.body(), MinimalScenario.tail(server))
                        .isEqualTo(200);
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
                System.out.printf("scanning Application, anonymous %s %s -> %d%n", call[0],
                        server.app().resolve(call[1]), answer.statusCode());
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

    /**
     * A copy of the minimal WAR in {@code dir}, under the same name, with the dashboard's jar in {@code WEB-INF/lib} and
     * a {@code glassfish-web.xml} (which the other servers ignore).
     */
    static Path withDashboard(Path war, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path copy = dir.resolve(war.getFileName());
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
            // Payara's own check of @RolesAllowed would ask anonymous callers to log in before the dashboard's checks
            // run, under either application: off, as docs/guides/dashboard.md says, so that only the dashboard's guard
            // can refuse
            out.putNextEntry(new ZipEntry("WEB-INF/glassfish-web.xml"));
            out.write("""
                    <glassfish-web-app>
                      <jaxrs-roles-allowed-enabled>false</jaxrs-roles-allowed-enabled>
                    </glassfish-web-app>
                    """.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry("WEB-INF/lib/apiary-dashboard.jar"));
            if (Files.isDirectory(dashboard)) {
                jar(dashboard, out);
            } else {
                Files.copy(dashboard, out);
            }
            out.closeEntry();
        }
        return copy;
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
