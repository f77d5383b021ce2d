package dev.apiary.examples.minimal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The minimal WAR on Open Liberty with the {@code server.xml} of docs/getting-started.md (src/main/liberty/config): its
 * {@code DefaultDataSource} on H2 is all the default storage needs.
 */
class OpenLibertyMinimalIT {

    @Test
    void runsJobsWithTheReadmeServerXml() throws Exception {
        MinimalScenario.run(server());
    }

    /** Open Liberty on a free port with the getting-started server.xml, plus {@code features}, and H2 in lib/. */
    static MinimalServer server(String... features) throws IOException {
        return new MinimalServer("open-liberty") {
            private final int port = freePort();
            private Path userDir;

            @Override
            List<String> prepare(Path war, Path work) throws IOException {
                Path wlp = Path.of(System.getProperty("minimal.servers"), "wlp");
                userDir = work.resolve("usr");
                Path server = userDir.resolve("servers/apiary");
                Files.createDirectories(server.resolve("apps"));
                Files.createDirectories(server.resolve("lib"));
                String xml = Files.readString(Path.of(System.getProperty("minimal.liberty-server-xml")));
                for (String feature : features) {
                    xml = xml.replace("</featureManager>", "  <feature>" + feature + "</feature>\n  </featureManager>");
                }
                Files.writeString(server.resolve("server.xml"), xml);
                Files.writeString(server.resolve("bootstrap.properties"), "http.port=" + port + "\n");
                Files.writeString(server.resolve("jvm.options"), "-Xmx512m\n");
                Files.copy(war, server.resolve("apps").resolve(war.getFileName()));
                Path h2 = h2Jar();
                Files.copy(h2, server.resolve("lib").resolve(h2.getFileName()));
                return List.of("bash", wlp.resolve("bin/server").toString(), "run", "apiary");
            }

            @Override
            void environment(ProcessBuilder builder) {
                builder.environment().put("WLP_USER_DIR", userDir.toString());
            }

            @Override
            URI app() {
                return URI.create("http://localhost:" + port + "/apiary-minimal/");
            }
        };
    }

    private static Path h2Jar() {
        try {
            return Path.of(Class.forName("org.h2.Driver").getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (ReflectiveOperationException | java.net.URISyntaxException e) {
            throw new IllegalStateException("the H2 driver is not on the test class path", e);
        }
    }
}
