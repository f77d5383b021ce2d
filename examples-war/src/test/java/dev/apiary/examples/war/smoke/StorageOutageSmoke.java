package dev.apiary.examples.war.smoke;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readiness follows the example's database. The WAR runs on a PostgreSQL the test owns: a {@code WEB-INF/web.xml}
 * {@code <data-source>} with the name of the example's {@code @DataSourceDefinition} replaces its in-memory H2 (a
 * deployment descriptor overrides an annotation of the same name), which is how a user points the example at
 * another database. With PostgreSQL stopped, {@code /health/ready} is DOWN and {@code apiary-workers} names the
 * unreachable storages; started again on the same port and data, readiness is UP again and a job pushed then runs.
 */
final class StorageOutageSmoke implements AutoCloseable {

    private static final Duration OUTAGE_TIMEOUT = Duration.ofSeconds(90);
    private static final String CHECK = "apiary-workers";

    private final Path dir;
    private final int port = ServerProcess.freePort();
    private EmbeddedPostgres postgres;

    private StorageOutageSmoke(Path dir) {
        this.dir = dir;
    }

    /** Starts an empty PostgreSQL for one server's run, its data under {@code work}. */
    static StorageOutageSmoke start(Path work) throws IOException {
        StorageOutageSmoke database = new StorageOutageSmoke(work.resolve("postgres"));
        ServerProcess.deleteTree(database.dir);
        Files.createDirectories(database.dir);
        long start = System.nanoTime();
        database.startPostgres();
        System.out.printf("%s: PostgreSQL started in %.1f s%n", work.getFileName(), (System.nanoTime() - start) / 1e9);
        return database;
    }

    /** A copy of {@code war} (same file name, so the same context root) whose data source is this PostgreSQL. */
    Path war(Path war) throws IOException {
        Path copy = dir.resolve("war").resolve(war.getFileName());
        Files.createDirectories(copy.getParent());
        String webXml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                         version="6.0">
                  <data-source>
                    <name>java:app/jdbc/apiary-example</name>
                    <class-name>org.postgresql.xa.PGXADataSource</class-name>
                    <server-name>localhost</server-name>
                    <port-number>%d</port-number>
                    <database-name>postgres</database-name>
                    <user>postgres</user>
                    <password>postgres</password>
                  </data-source>
                </web-app>
                """.formatted(port);
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(war));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (entry.getName().equals("WEB-INF/web.xml")) {
                    throw new IllegalStateException(war + " has a WEB-INF/web.xml now: merge its content here");
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
            out.write(webXml.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return copy;
    }

    /**
     * Stops PostgreSQL (open connections are cut), expects readiness DOWN naming the storages, starts it again and
     * expects readiness UP and a new job DONE. {@code http} reads the job through the dashboard's API, so it logs
     * in as a dashboard user.
     */
    void assertOn(ServerProcess server, Http http) throws Exception {
        URI ready = server.health().resolve("ready");
        long start = System.nanoTime();
        stopPostgres();
        JsonObject down = await(http, ready, 503, "DOWN");
        assertThat(down.getJsonObject("data").entrySet()).as(CHECK + " while the database is down: " + down)
                .anyMatch(e -> e.getKey().startsWith("storage.") && ((jakarta.json.JsonString) e.getValue())
                        .getString().equals("unreachable"));
        System.out.printf("%s database down: readiness DOWN after %.1f s: %s%n", server.name(),
                (System.nanoTime() - start) / 1e9, down);

        long restart = System.nanoTime();
        startPostgres();
        JsonObject up = await(http, ready, 200, "UP");
        assertThat(up.getJsonObject("data").entrySet()).as(CHECK + " after the database is back: " + up)
                .filteredOn(e -> e.getKey().startsWith("storage.")).isNotEmpty()
                .allMatch(e -> ((jakarta.json.JsonString) e.getValue()).getString().equals("available"));
        System.out.printf("%s database back: readiness UP after %.1f s%n", server.name(),
                (System.nanoTime() - restart) / 1e9);

        Http.Answer pushed = http.post(server.app().resolve("api/queues/report/jobs"),
                "{\"name\":\"after-outage\",\"seconds\":1}");
        assertThat(pushed.status()).as("a push after the outage: " + pushed.body()).isEqualTo(201);
        String id = pushed.object().getString("id");
        URI job = server.app().resolve("apiary/api/queues/report/jobs/" + id);
        Instant deadline = Instant.now().plus(OUTAGE_TIMEOUT);
        String status = "";
        while (Instant.now().isBefore(deadline) && !status.equals("DONE")) {
            Thread.sleep(250);
            status = http.get(job).object().getString("status");
            assertThat(status).as("the report pushed after the outage").isIn("PENDING", "RUNNING", "DONE");
        }
        assertThat(status).as("the report pushed after the outage, within " + OUTAGE_TIMEOUT).isEqualTo("DONE");
        System.out.printf("%s database outage check: %.1f s in all%n", server.name(),
                (System.nanoTime() - start) / 1e9);
    }

    /** Waits for the readiness probe's HTTP status and Apiary's check in {@code status}; returns the check. */
    private static JsonObject await(Http http, URI ready, int httpStatus, String status) throws Exception {
        Instant deadline = Instant.now().plus(OUTAGE_TIMEOUT);
        String last = "nothing yet";
        while (Instant.now().isBefore(deadline)) {
            Http.Answer answer = http.get(ready);
            last = answer.status() + " " + answer.body();
            if (answer.status() == httpStatus && answer.body().startsWith("{")) {
                JsonObject check = answer.object().getJsonArray("checks").stream().map(JsonValue::asJsonObject)
                        .filter(c -> c.getString("name").equals(CHECK)).findFirst().orElse(null);
                if (check != null && check.getString("status").equals(status)) {
                    return check;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("readiness not " + httpStatus + " with " + CHECK + " " + status + " within "
                + OUTAGE_TIMEOUT + "; last answer: " + last);
    }

    private void startPostgres() throws IOException {
        // prepared transactions, should a JTA transaction ever span this data source and another resource
        postgres = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("data")).setCleanDataDirectory(false)
                .setPort(port).setServerConfig("max_prepared_transactions", "20")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .start();
    }

    private void stopPostgres() throws IOException {
        EmbeddedPostgres p = postgres;
        postgres = null;
        if (p != null) {
            p.close();
        }
    }

    @Override
    public void close() throws IOException {
        stopPostgres();
    }
}
