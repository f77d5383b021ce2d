package dev.apiary.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/** One worker node: a {@link WorkerNode} in a JVM of its own, its output in a log file. */
final class Node {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern HEALTH_PORT = Pattern.compile("NODE \\S+ HEALTH (\\d+)");

    private final String name;
    private final Process process;
    private final Path log;
    private volatile int healthPort;

    private Node(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts a node with the given {@code apiary.*} settings as system properties. */
    static Node start(String name, String jdbcUrl, Duration gracePeriod, Map<String, String> settings, Path dir) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Djava.util.logging.manager=" + NodeLogManager.class.getName());
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(WorkerNode.class.getName());
        command.add(jdbcUrl);
        command.add(name);
        command.add(gracePeriod.toString());
        Path log = dir.resolve(name + ".log");
        try {
            Files.createDirectories(dir);
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            return new Node(name, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start worker node " + name, e);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The node's output so far. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int healthPort() {
        if (healthPort == 0) {
            Matcher m = HEALTH_PORT.matcher(log());
            if (!m.find()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Node " + name + " exited with " + process.exitValue()
                            + ":\n" + log());
                }
                return 0;
            }
            healthPort = Integer.parseInt(m.group(1));
        }
        return healthPort;
    }

    /** HTTP status of {@code /health/ready} or {@code /health/live}: 200 UP, 503 DOWN, 0 not serving yet. */
    int health(String kind) {
        return healthResponse(kind).statusCode();
    }

    /** The health response, or a response-like status 0 while the node does not serve yet. */
    Health healthResponse(String kind) {
        int port = healthPort();
        if (port == 0) {
            return new Health(0, "");
        }
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/health/" + kind))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return new Health(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Health(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Health(0, e.toString());
        }
    }

    record Health(int statusCode, String body) {
        boolean up() {
            return statusCode == 200;
        }
    }

    void awaitReady(Duration atMost) {
        await("node " + name + " ready").atMost(atMost).pollInterval(Duration.ofMillis(200))
                .until(() -> health("ready") == 200);
    }

    /** SIGKILL: the JVM ends at once, no shutdown hook runs. */
    void kill() {
        process.destroyForcibly();
    }

    /** SIGTERM: the JVM runs its shutdown hooks, so the node stops gracefully. */
    void terminate() {
        process.destroy();
    }

    boolean awaitExit(Duration atMost) throws InterruptedException {
        return process.waitFor(atMost.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Ends the process whatever state it is in, and waits for it. */
    void destroy() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
