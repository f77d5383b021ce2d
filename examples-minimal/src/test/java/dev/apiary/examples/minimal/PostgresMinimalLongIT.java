package dev.apiary.examples.minimal;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The minimal WAR on PostgreSQL with the driver installed in the server as docs/getting-started.md says, never in the
 * WAR: a WildFly module {@code org.postgresql} behind a data source that {@code default-bindings} names, and Open
 * Liberty's {@code DefaultDataSource} with the driver jar in its {@code lib/} library. The application cannot see the
 * driver on either, and adds no line for it: the default storage's LISTEN must connect anyway.
 */
class PostgresMinimalLongIT {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @Test
    void listensOnWildFlyWithTheDriverAsAModule() throws Exception {
        int offset = 20_000 + (int) ((ProcessHandle.current().pid() + 7) % 10_000);
        MinimalServer wildFly = new MinimalServer("wildfly-postgres") {
            private Path modules;

            @Override
            List<String> prepare(Path war, Path work) throws IOException {
                Path home = Path.of(System.getProperty("minimal.wildfly"));
                Path base = work.resolve("base");
                copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
                modules = work.resolve("modules");
                Path module = modules.resolve("org/postgresql/main");
                Files.createDirectories(module);
                Path jar = driverJar();
                Files.copy(jar, module.resolve(jar.getFileName()));
                Files.writeString(module.resolve("module.xml"), """
                        <module xmlns="urn:jboss:module:1.9" name="org.postgresql">
                          <resources><resource-root path="%s"/></resources>
                          <dependencies>
                            <module name="javax.api"/><module name="jakarta.transaction.api"/>
                          </dependencies>
                        </module>
                        """.formatted(jar.getFileName()));
                Path xml = base.resolve("configuration/standalone-microprofile.xml");
                String config = Files.readString(xml);
                config = replaceOnce(config, "<drivers>", """
                        <datasource jndi-name="java:jboss/datasources/ApiaryDS" pool-name="ApiaryDS">
                            <connection-url>jdbc:postgresql://localhost:%d/postgres</connection-url>
                            <driver>postgresql</driver>
                            <security user-name="postgres" password="postgres"/>
                        </datasource>
                        <drivers>
                            <driver name="postgresql" module="org.postgresql">
                                <xa-datasource-class>org.postgresql.xa.PGXADataSource</xa-datasource-class>
                            </driver>""".formatted(postgres.getPort()));
                config = replaceOnce(config, "datasource=\"java:jboss/datasources/ExampleDS\"",
                        "datasource=\"java:jboss/datasources/ApiaryDS\"");
                Files.writeString(xml, config);
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
                builder.environment().put("JBOSS_MODULEPATH",
                        Path.of(System.getProperty("minimal.wildfly"), "modules") + ":" + modules);
            }

            @Override
            URI app() {
                return URI.create("http://127.0.0.1:" + (8080 + offset) + "/apiary-minimal/");
            }
        };
        runAndCheckListen(wildFly);
    }

    @Test
    void listensOnOpenLibertyWithTheDriverInALibrary() throws Exception {
        MinimalServer liberty = new MinimalServer("open-liberty-postgres") {
            private final int port = freePort();
            private Path userDir;

            @Override
            List<String> prepare(Path war, Path work) throws IOException {
                Path wlp = Path.of(System.getProperty("minimal.servers"), "wlp");
                userDir = work.resolve("usr");
                Path server = userDir.resolve("servers/apiary");
                Files.createDirectories(server.resolve("apps"));
                Files.createDirectories(server.resolve("lib"));
                // the getting-started server.xml, switched to PostgreSQL as its comment says
                String xml = Files.readString(Path.of(System.getProperty("minimal.liberty-server-xml")));
                xml = replaceOnce(xml, "<jdbcDriver libraryRef=\"jdbc\" javax.sql.XADataSource="
                        + "\"org.h2.jdbcx.JdbcDataSource\"/>", "<jdbcDriver libraryRef=\"jdbc\"/>");
                xml = xml.replaceFirst("<properties URL=\"jdbc:h2:[^\"]*\"/>", "<properties.postgresql"
                        + " serverName=\"localhost\" portNumber=\"" + postgres.getPort() + "\""
                        + " databaseName=\"postgres\" user=\"postgres\" password=\"postgres\"/>");
                assertThat(xml).as("server.xml on PostgreSQL").contains("properties.postgresql")
                        .doesNotContain("jdbc:h2");
                Files.writeString(server.resolve("server.xml"), xml);
                Files.writeString(server.resolve("bootstrap.properties"), "http.port=" + port + "\n");
                Files.writeString(server.resolve("jvm.options"), "-Xmx512m\n");
                Files.copy(war, server.resolve("apps").resolve(war.getFileName()));
                Path jar = driverJar();
                Files.copy(jar, server.resolve("lib").resolve(jar.getFileName()));
                return List.of("bash", wlp.resolve("bin/server").toString(), "run", "apiary");
            }

            @Override
            void environment(ProcessBuilder builder) {
                builder.environment().put("WLP_USER_DIR", userDir.toString());
                builder.environment().put("WLP_LOGGING_CONSOLE_LOGLEVEL", "INFO");
            }

            @Override
            URI app() {
                return URI.create("http://localhost:" + port + "/apiary-minimal/");
            }
        };
        runAndCheckListen(liberty);
    }

    /** The minimal scenario, then: the default storage's LISTEN connected, with no line added for the driver. */
    private static void runAndCheckListen(MinimalServer server) throws Exception {
        MinimalScenario.run(server);
        assertThat(server.logText()).as("the log, %s", server.log)
                .contains("LISTEN apiary_jobs is connected")
                .doesNotContain("No LISTEN");
    }

    private static String replaceOnce(String text, String target, String replacement) {
        assertThat(text).as("the server's configuration").contains(target);
        return text.replace(target, replacement);
    }

    private static Path driverJar() {
        try {
            return Path.of(Class.forName("org.postgresql.Driver").getProtectionDomain().getCodeSource().getLocation()
                    .toURI());
        } catch (ReflectiveOperationException | java.net.URISyntaxException e) {
            throw new IllegalStateException("the PostgreSQL driver is not on the test class path", e);
        }
    }
}
