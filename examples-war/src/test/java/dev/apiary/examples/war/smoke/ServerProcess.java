package dev.apiary.examples.war.smoke;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One application server run as a child process, with the example WAR deployed, on free ports. {@link #close()}
 * always stops it: first politely (SIGTERM to the server and every process it started), then by force.
 */
public abstract class ServerProcess implements AutoCloseable {

    private static final long STOP_GRACE_SECONDS = 30;

    private Process process;
    private Path log;

    /** The server's name, for messages and file names. */
    public abstract String name();

    /** Lays out what the server needs in {@code work} and returns the command that runs it in the foreground. */
    protected abstract List<String> prepare(Path war, Path work) throws IOException;

    /** Extra environment of the server process. */
    protected void environment(Map<String, String> env) {
    }

    /** Log lines that say the deployment failed, so a smoke test stops waiting for readiness at once. */
    protected abstract List<String> deploymentFailureMarkers();

    /** The first log line that says the deployment failed, if any. */
    public java.util.Optional<String> deploymentFailure() {
        if (log == null || !Files.exists(log)) {
            return java.util.Optional.empty();
        }
        try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return lines.filter(line -> deploymentFailureMarkers().stream().anyMatch(line::contains)).findFirst();
        } catch (IOException | UncheckedIOException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The concurrency of the {@code @Timeout} check: the size of the server's default managed executor, as the
     * server comes (where it has no size, a number well above its core threads).
     */
    public abstract int timedConcurrency();

    /** Extra environment this server's run of the scenario needs (on top of the scenario's own settings). */
    public Map<String, String> settings() {
        return Map.of();
    }

    /** Base URI of the application: {@code .../apiary-example/}. */
    public abstract URI app();

    /** Base URI of the MicroProfile Health endpoints: {@code .../health/}. */
    public abstract URI health();

    /** Starts the server in the background; its output goes to {@link #log()}. */
    public void start(Path war, Path work, Map<String, String> settings) throws IOException {
        Files.createDirectories(work);
        List<String> command = prepare(war, work);
        log = work.resolve(name() + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        environment(builder.environment());
        builder.environment().putAll(settings);
        process = builder.start();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** The last {@code lines} lines of the server's output, for failure messages. */
    public String logTail(int lines) {
        if (log == null || !Files.exists(log)) {
            return "(no log)";
        }
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * Sends SIGTERM to the server's JVM (not to a launch script, which may not pass it on) and waits up to
     * {@code limit} for the server to exit; returns how long it took, or null when it was still running.
     */
    public Duration terminate(Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        List<ProcessHandle> jvms = java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()),
                        process.descendants())
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).toList();
        (jvms.isEmpty() ? List.of(process.toHandle()) : jvms).forEach(ProcessHandle::destroy);
        boolean exited = process.waitFor(limit.toNanos(), TimeUnit.NANOSECONDS);
        for (ProcessHandle jvm : jvms) {
            long left = limit.toNanos() - (System.nanoTime() - start);
            try {
                jvm.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                exited = false;
            }
        }
        return exited ? Duration.ofNanos(System.nanoTime() - start) : null;
    }

    /** The ways an operator stops this server, as {@link #stop} names them; SIGTERM is one of them. */
    public List<String> stopWays() {
        return List.of(SIGTERM);
    }

    /** Stopping by a SIGTERM to the server's JVM, as a service manager or Kubernetes does. */
    public static final String SIGTERM = "SIGTERM";

    /**
     * Stops the server in one of its {@link #stopWays()} and waits up to {@code limit} for its process to exit;
     * returns how long it took, or null when it was still running.
     */
    public Duration stop(String way, Duration limit) throws IOException, InterruptedException {
        if (way.equals(SIGTERM)) {
            return terminate(limit);
        }
        long start = System.nanoTime();
        requestStop(way);
        long left = limit.toNanos() - (System.nanoTime() - start);
        boolean exited = process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS);
        for (ProcessHandle child : process.descendants().toList()) {
            exited &= !child.isAlive();
        }
        return exited ? Duration.ofNanos(System.nanoTime() - start) : null;
    }

    /** Asks the server to stop the way {@code way} names (one of {@link #stopWays()} other than SIGTERM). */
    protected void requestStop(String way) throws IOException, InterruptedException {
        throw new IllegalArgumentException(name() + " has no stop way '" + way + "'");
    }

    /** Sends a signal ({@code INT}, {@code TERM}) to the server's JVM, as {@code kill -s} does. */
    protected void signal(String signal) throws IOException, InterruptedException {
        List<ProcessHandle> jvms = java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()),
                        process.descendants())
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).toList();
        for (ProcessHandle jvm : jvms) {
            run(List.of("kill", "-s", signal, Long.toString(jvm.pid())), Map.of());
        }
    }

    /** Runs a command of the server's (its CLI) to its end, failing with its output when it does not succeed. */
    protected static void run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        Process cli = builder.start();
        byte[] output = cli.getInputStream().readAllBytes();
        if (!cli.waitFor(120, TimeUnit.SECONDS) || cli.exitValue() != 0) {
            cli.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: "
                    + new String(output, StandardCharsets.UTF_8));
        }
    }

    /** The process id of the server's JVM (not of its launch script), for {@code jcmd}. */
    public long jvmPid() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()), process.descendants())
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst()
                .orElseThrow(() -> new IllegalStateException("no JVM among the processes of " + name()));
    }

    /** Log files the server writes besides its console output (which is {@link #log()}). */
    public List<Path> moreLogs() {
        return List.of();
    }

    /** Every line of the server's output so far. */
    public List<String> logLines() {
        try {
            return Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        // launch scripts (standalone.sh, server) start the JVM as a child: signal the whole tree
        List<ProcessHandle> tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            for (ProcessHandle child : tree) {
                child.onExit().get(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** A TCP port nobody listens on now. */
    protected static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether every one of {@code ports} is free now. */
    protected static boolean allFree(int... ports) {
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket(port)) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** A directory the build prepared ({@code smoke.servers}), failing clearly when it is missing. */
    protected static Path serversDir(String child) {
        String dir = System.getProperty("smoke.servers");
        if (dir == null) {
            throw new IllegalStateException("system property smoke.servers is not set; run the smoke tests with"
                    + " Maven (mvn verify -pl examples-war)");
        }
        Path path = Path.of(dir, child);
        if (!Files.exists(path)) {
            throw new IllegalStateException(path + " does not exist; the build provisions it (the WildFly and Open"
                    + " Liberty zips are unpacked in the package phase)");
        }
        return path;
    }

    /** Copies a directory tree (the server's configuration templates). */
    protected static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Deletes a directory tree left by an earlier run. */
    protected static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
