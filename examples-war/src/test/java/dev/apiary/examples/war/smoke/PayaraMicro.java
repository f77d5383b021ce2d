package dev.apiary.examples.war.smoke;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** Payara Micro: one jar, {@code --deploy app.war}; the WAR's name is its context root. */
public final class PayaraMicro extends ServerProcess {

    private final int port = freePort();

    @Override
    public String name() {
        return "payara-micro";
    }

    @Override
    protected List<String> prepare(Path war, Path work) throws java.io.IOException {
        Path root = work.resolve("payara-root");
        deleteTree(root);
        return List.of(javaExecutable(), "-Xmx512m", "-jar", serversDir("payara-micro.jar").toString(),
                "--deploy", war.toString(), "--port", Integer.toString(port), "--nocluster",
                "--rootDir", root.toString());
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
