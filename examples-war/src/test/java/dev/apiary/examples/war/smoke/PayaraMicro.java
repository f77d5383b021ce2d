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

    @Override
    public String name() {
        return "payara-micro";
    }

    @Override
    protected List<String> prepare(Path war, Path work) throws java.io.IOException {
        Path root = work.resolve("payara-root");
        deleteTree(root);
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx512m", "-jar",
                serversDir("payara-micro.jar").toString(), "--deploy", war.toString()));
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
     * Payara Micro's default managed executor has up to 200 threads (domain.xml {@code maximum-pool-size}); the
     * check runs 8 slots, more than the 2 threads @Timeout took per job before.
     */
    @Override
    public int timedConcurrency() {
        return 8;
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
