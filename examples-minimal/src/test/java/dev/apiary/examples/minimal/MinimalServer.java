package dev.apiary.examples.minimal;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A server run as a child process with the minimal WAR deployed on free ports; {@link #close()} stops it. */
abstract class MinimalServer implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String name;
    private boolean dashboard;
    private Process process;
    Path log;

    MinimalServer(String name) {
        this.name = name;
    }

    /**
     * Deploys the minimal WAR with {@code apiary-dashboard} added and the dashboard open to anyone (the minimal
     * application has no users), for {@link ScanningWithDashboardScenario}.
     */
    MinimalServer withDashboard() {
        dashboard = true;
        return this;
    }

    /** Lays out the server in {@code work} and returns the command that runs it in the foreground. */
    abstract List<String> prepare(Path war, Path work) throws IOException;

    /** Base URI of the application. */
    abstract URI app();

    void start() throws IOException {
        Path war = Path.of(System.getProperty("minimal.war"));
        Path work = Path.of(System.getProperty("minimal.work"), dashboard ? name + "-dashboard" : name);
        deleteTree(work);
        Files.createDirectories(work);
        if (dashboard) {
            war = ScanningWithDashboardScenario.withDashboard(war, work.resolve("war"));
        }
        log = work.resolve("server.log");
        ProcessBuilder builder = new ProcessBuilder(prepare(war, work)).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        environment(builder);
        if (dashboard) {
            builder.environment().put("APIARY_DASHBOARD_ALLOW_ANONYMOUS", "true");
        }
        process = builder.start();
    }

    void environment(ProcessBuilder builder) {
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(app().resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws Exception {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        for (ProcessHandle child : tree) {
            try {
                child.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                child.destroyForcibly();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
