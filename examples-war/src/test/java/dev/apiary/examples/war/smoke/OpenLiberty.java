package dev.apiary.examples.war.smoke;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Open Liberty from the unpacked {@code openliberty-runtime} zip. Each run gets its own user directory
 * ({@code WLP_USER_DIR}) with a server {@code apiary}: the {@code server.xml} from the test resources (the features
 * the example needs, nothing else), the HTTP port in {@code bootstrap.properties}, the WAR in {@code dropins}.
 */
public final class OpenLiberty extends ServerProcess {

    private final int port = freePort();
    private Path userDir;

    @Override
    public String name() {
        return "open-liberty";
    }

    @Override
    protected List<String> prepare(Path war, Path work) throws IOException {
        Path wlp = serversDir("wlp");
        userDir = work.resolve("liberty-usr");
        deleteTree(userDir);
        Path server = userDir.resolve("servers/apiary");
        Files.createDirectories(server.resolve("dropins"));
        try (InputStream xml = OpenLiberty.class.getResourceAsStream("/liberty/server.xml")) {
            Files.copy(xml, server.resolve("server.xml"));
        }
        Files.writeString(server.resolve("bootstrap.properties"), "http.port=" + port + "\n");
        Files.writeString(server.resolve("jvm.options"), "-Xmx512m\n");
        Files.copy(war, server.resolve("dropins").resolve(war.getFileName()));
        return List.of("bash", wlp.resolve("bin/server").toString(), "run", "apiary");
    }

    @Override
    protected void environment(Map<String, String> env) {
        env.put("WLP_USER_DIR", userDir.toString());
    }

    @Override
    public URI app() {
        return URI.create("http://localhost:" + port + "/apiary-example/");
    }

    @Override
    public URI health() {
        return URI.create("http://localhost:" + port + "/health/");
    }
}
