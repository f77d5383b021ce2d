package dev.apiary.examples.minimal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The minimal WAR on an unchanged Payara Micro: the default storage lands on the server's default data source
 * ({@code jdbc/__default}, H2) through Apiary's container-managed unit, with no persistence.xml and no producer.
 */
class PayaraMicroMinimalIT {

    @Test
    void runsJobsWithOnlyTheDefaultStorage() throws Exception {
        MinimalScenario.run(server());
    }

    /** Payara Micro on a free port. */
    static MinimalServer server() throws IOException {
        return new MinimalServer("payara-micro") {
            private final int port = freePort();

            @Override
            List<String> prepare(Path war, Path work) {
                Path jar = Path.of(System.getProperty("minimal.servers"), "payara-micro.jar");
                return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                        "-jar", jar.toString(), "--deploy", war.toString(), "--port", Integer.toString(port),
                        "--nocluster", "--rootDir", work.resolve("root").toString());
            }

            @Override
            URI app() {
                return URI.create("http://localhost:" + port + "/apiary-minimal/");
            }
        };
    }
}
