package dev.apiary.examples.minimal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The minimal WAR on an unchanged WildFly ({@code standalone-microprofile.xml}): the default storage lands on the
 * server's default data source (ExampleDS) with no persistence.xml and no producer.
 */
class WildFlyMinimalIT {

    @Test
    void runsJobsWithOnlyTheDefaultStorage() throws Exception {
        MinimalScenario.run(server(20_000 + (int) (ProcessHandle.current().pid() % 10_000)));
    }

    /** WildFly with its sockets moved by {@code offset} (HTTP on 8080 + offset). */
    static MinimalServer server(int offset) {
        return new MinimalServer("wildfly") {

            @Override
            List<String> prepare(Path war, Path work) throws IOException {
                Path home = Path.of(System.getProperty("minimal.wildfly"));
                Path base = work.resolve("base");
                copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
                Files.createDirectories(base.resolve("deployments"));
                Files.copy(war, base.resolve("deployments").resolve(war.getFileName()));
                return List.of("bash", home.resolve("bin/standalone.sh").toString(), "-c",
                        "standalone-microprofile.xml", "-Djboss.server.base.dir=" + base,
                        "-Djboss.socket.binding.port-offset=" + offset, "-Djboss.bind.address=127.0.0.1",
                        "-Djboss.bind.address.management=127.0.0.1");
            }

            @Override
            void environment(ProcessBuilder builder) {
                builder.environment().put("JAVA_OPTS", "-Xmx512m -Djava.net.preferIPv4Stack=true");
            }

            @Override
            URI app() {
                return URI.create("http://127.0.0.1:" + (8080 + offset) + "/apiary-minimal/");
            }
        };
    }
}
