package dev.apiary.examples.war.smoke;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Open Liberty from the unpacked {@code openliberty-runtime} zip. Each run gets its own user directory
 * ({@code WLP_USER_DIR}) with a server {@code apiary}: the {@code server.xml} from the test resources (the features
 * the example needs and the H2 and PostgreSQL drivers as a shared library), the HTTP port in
 * {@code bootstrap.properties}, the WAR in {@code apps}.
 */
public final class OpenLiberty extends ServerProcess {

    private final int port = freePort();
    private Path userDir;

    /** SIGTERM, and {@code bin/server stop}. */
    @Override
    public List<String> stopWays() {
        return List.of(SIGTERM, "server stop");
    }

    @Override
    protected void requestStop(String way) throws IOException, InterruptedException {
        if (!way.equals("server stop")) {
            super.requestStop(way);
        }
        run(List.of("bash", serversDir("wlp").resolve("bin/server").toString(), "stop", "apiary"),
                Map.of("WLP_USER_DIR", userDir.toString()));
    }

    @Override
    public String name() {
        return "open-liberty";
    }

    @Override
    protected List<String> prepare(Path war, Path work) throws IOException {
        Path wlp = serversDir("wlp");
        userDir = work.resolve("liberty-usr");
        deleteTree(userDir);
        Path server = userDir.resolve("servers/apiary");
        Files.createDirectories(server.resolve("apps"));
        Files.createDirectories(server.resolve("lib"));
        try (InputStream xml = OpenLiberty.class.getResourceAsStream("/liberty/server.xml")) {
            Files.copy(xml, server.resolve("server.xml"));
        }
        // INFO on the console too (by default only in logs/messages.log): the scenario reads the application's lines
        Files.writeString(server.resolve("bootstrap.properties"), "http.port=" + port + "\n"
                + "com.ibm.ws.logging.console.log.level=INFO\n");
        Files.writeString(server.resolve("jvm.options"), "-Xmx512m\n");
        Files.copy(war, server.resolve("apps").resolve(war.getFileName()));
        for (Path driver : List.of(driverJar("org.h2.Driver"), driverJar("org.postgresql.Driver"))) {
            Files.copy(driver, server.resolve("lib").resolve(driver.getFileName()));
        }
        return List.of("bash", wlp.resolve("bin/server").toString(), "run", "apiary");
    }

    /** A JDBC driver jar the WAR ships, found on the test class path (Maven puts runtime dependencies there). */
    private static Path driverJar(String driver) {
        try {
            return Path.of(Class.forName(driver).getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (ReflectiveOperationException | java.net.URISyntaxException e) {
            throw new IllegalStateException("the JDBC driver " + driver + " is not on the test class path", e);
        }
    }

    /** {@code messages.log}: the console shows a warning's exception as one line, this file has its stack trace. */
    @Override
    public List<Path> moreLogs() {
        return List.of(userDir.resolve("servers/apiary/logs/messages.log"));
    }

    @Override
    protected void environment(Map<String, String> env) {
        env.put("WLP_USER_DIR", userDir.toString());
        // MicroProfile Telemetry on, spans and metrics printed to the console log for TelemetrySmoke to read
        env.putAll(Map.of("OTEL_SDK_DISABLED", "false", "OTEL_TRACES_EXPORTER", "logging", "OTEL_METRICS_EXPORTER",
                "logging", "OTEL_LOGS_EXPORTER", "none", "OTEL_METRIC_EXPORT_INTERVAL", "1000",
                "WLP_LOGGING_CONSOLE_LOGLEVEL", "INFO"));
    }

    @Override
    protected List<String> deploymentFailureMarkers() {
        return List.of("CWWKZ0002E", "CWWKZ0004E", "CWWKZ0013E", "CWWKF0001E");
    }

    /**
     * Open Liberty's default managed executor has no size of its own: its concurrency policy sets no maximum, and it
     * runs on the server's global pool, whose {@code maxThreads} is unbounded by default (its {@code coreThreads}
     * follows the hardware threads, at least 4). The check runs 64 slots, well above that core, so the pool must
     * grow to serve them.
     */
    @Override
    public int timedConcurrency() {
        return 64;
    }

    @Override
    public URI app() {
        return URI.create("http://localhost:" + port + "/apiary-example/");
    }

    @Override
    public URI health() {
        return URI.create("http://localhost:" + port + "/health/");
    }
}
