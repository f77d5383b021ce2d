package dev.apiary.examples.war.smoke;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * WildFly from the unpacked {@code wildfly-dist} zip, with {@code standalone-microprofile.xml} (MicroProfile Config
 * and Health) and the embedded Artemis broker of {@code standalone-full.xml} added ({@link JmsSmoke#addBroker}). The
 * distribution stays untouched: each run gets its own server base directory (configuration copied, the WAR in its
 * deployments folder). Ports move together through {@code jboss.socket.binding.port-offset}; health
 * is on the management port.
 */
public final class WildFly extends ServerProcess {

    private final int offset = freeOffset();
    private Path home;
    private Path base;

    /** SIGTERM, and the management CLI's {@code :shutdown}. */
    @Override
    public List<String> stopWays() {
        return List.of(SIGTERM, "jboss-cli :shutdown");
    }

    @Override
    protected void requestStop(String way) throws IOException, InterruptedException {
        if (!way.equals("jboss-cli :shutdown")) {
            super.requestStop(way);
        }
        run(List.of("bash", home.resolve("bin/jboss-cli.sh").toString(), "--connect",
                "--controller=127.0.0.1:" + (9990 + offset), "--timeout=60000", "--command=:shutdown"), Map.of());
    }

    @Override
    public String name() {
        return "wildfly";
    }

    @Override
    protected List<String> prepare(Path war, Path work) throws IOException {
        home = serversDir("wildfly-" + System.getProperty("smoke.wildfly.version", "39.0.1.Final"));
        base = work.resolve("wildfly-base");
        deleteTree(base);
        copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
        DashboardSmoke.allowApplicationIdentityStore(base.resolve("configuration/standalone-microprofile.xml"));
        JmsSmoke.addBroker(base.resolve("configuration/standalone-microprofile.xml"));
        Files.createDirectories(base.resolve("deployments"));
        Files.copy(war, base.resolve("deployments").resolve(war.getFileName()));
        return List.of("bash", home.resolve("bin/standalone.sh").toString(),
                "-c", "standalone-microprofile.xml",
                "-Djboss.server.base.dir=" + base,
                "-Djboss.socket.binding.port-offset=" + offset,
                "-Djboss.bind.address=127.0.0.1", "-Djboss.bind.address.management=127.0.0.1");
    }

    /** The folder WildFly's deployment scanner watches: a WAR replaced there is redeployed. */
    public Path deployments() {
        return base.resolve("deployments");
    }

    @Override
    protected void environment(Map<String, String> env) {
        env.put("JAVA_OPTS", "-Xmx512m -Djava.net.preferIPv4Stack=true");
    }

    /** The example's JMS worker runs here, on the broker {@link JmsSmoke#addBroker} adds. */
    @Override
    public Map<String, String> settings() {
        return JmsSmoke.settings();
    }

    @Override
    protected List<String> deploymentFailureMarkers() {
        return List.of("WFLYCTL0013", "WFLYSRV0021", "WFLYCTL0186");
    }

    /**
     * standalone-microprofile.xml's default managed executor sets no thread count: WildFly gives it 4 threads on
     * this 2-core machine ({@code EE-ManagedExecutorService-default-Thread-1} to {@code -4}). The check fills it.
     */
    @Override
    public int timedConcurrency() {
        return 4;
    }

    @Override
    public URI app() {
        return URI.create("http://127.0.0.1:" + (8080 + offset) + "/apiary-example/");
    }

    @Override
    public URI health() {
        return URI.create("http://127.0.0.1:" + (9990 + offset) + "/health/");
    }

    /** An offset at which every port standalone-microprofile.xml opens is free. */
    private static int freeOffset() {
        for (int tries = 0; tries < 50; tries++) {
            int o = ThreadLocalRandom.current().nextInt(100, 20_000);
            if (allFree(8080 + o, 8443 + o, 9990 + o, 9993 + o, 4712 + o, 4713 + o)) {
                return o;
            }
        }
        throw new IllegalStateException("no free port offset found for WildFly");
    }
}
