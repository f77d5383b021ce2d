package dev.apiary.examples.war.smoke;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Payara Micro: one jar, {@code --deploy app.war}; the WAR's name is its context root. */
public final class PayaraMicro extends ServerProcess {

    private final int port = freePort();
    private final List<Path> moreWars = new ArrayList<>();

    /** Deploys {@code war} too, beside the one given to {@link #start}; its file name is its context root. */
    public PayaraMicro alsoDeploying(Path war) {
        moreWars.add(war);
        return this;
    }

    /**
     * Payara Micro has no asadmin and no stop command of its own: it stops on a signal, SIGTERM from a service
     * manager or SIGINT from Ctrl-C in its terminal.
     */
    @Override
    public List<String> stopWays() {
        return List.of(SIGTERM, "SIGINT");
    }

    @Override
    protected void requestStop(String way) throws java.io.IOException, InterruptedException {
        if (!way.equals("SIGINT")) {
            super.requestStop(way);
        }
        signal("INT");
    }

    @Override
    public String name() {
        return "payara-micro";
    }

    @Override
    protected List<String> prepare(Path war, Path work) throws java.io.IOException {
        Path root = work.resolve("payara-root");
        deleteTree(root);
        // A process started in the background (a build run with '&' or nohup, as CI does) ignores SIGINT, and its
        // children inherit that: the JVM then never sees the Ctrl-C this server is stopped with, and ran on. A
        // terminal's Payara Micro has the default SIGINT; GNU env restores it before it runs java.
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT", javaExecutable(), "-Xmx512m",
                "-jar", serversDir("payara-micro.jar").toString(), "--deploy", war.toString()));
        for (Path more : moreWars) {
            command.addAll(List.of("--deploy", more.toString()));
        }
        command.addAll(List.of("--port", Integer.toString(port), "--nocluster", "--rootDir", root.toString()));
        return command;
    }

    @Override
    protected List<String> deploymentFailureMarkers() {
        return List.of("Exception while loading the app", "Exception during lifecycle processing");
    }

    /**
     * The {@code maximum-pool-size} of Payara Micro's default managed executor, read from the {@code domain.xml} in
     * its jar (200 in 6.2025.10): the check runs that many slots, with nothing configured on the server.
     */
    @Override
    public int timedConcurrency() {
        Path jar = serversDir("payara-micro.jar");
        try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
            String domain = new String(zip.getInputStream(zip.getEntry("MICRO-INF/domain/domain.xml")).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
            var executor = java.util.regex.Pattern.compile("<managed-executor-service [^>]*jndi-name=\"concurrent/"
                    + "__defaultManagedExecutorService\"[^>]*>").matcher(domain);
            if (!executor.find()) {
                throw new IllegalStateException("no default managed executor in the domain.xml of " + jar);
            }
            var max = java.util.regex.Pattern.compile("maximum-pool-size=\"(\\d+)\"").matcher(executor.group());
            if (!max.find()) {
                throw new IllegalStateException("no maximum-pool-size in " + executor.group());
            }
            return Integer.parseInt(max.group(1));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the domain.xml of " + jar, e);
        }
    }

    @Override
    public URI app() {
        return URI.create("http://localhost:" + port + "/apiary-example/");
    }

    @Override
    public URI health() {
        return URI.create("http://localhost:" + port + "/health/");
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
