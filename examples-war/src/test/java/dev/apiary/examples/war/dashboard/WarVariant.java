package dev.apiary.examples.war.dashboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A copy of the example WAR deployed under another name, with settings added to its
 * {@code microprofile-config.properties} and deployment descriptors of its own: the dashboard as an application
 * configures it, checked in the same server as the example.
 */
final class WarVariant {

    private static final String CONFIG = "WEB-INF/classes/META-INF/microprofile-config.properties";

    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> files = new LinkedHashMap<>();

    WarVariant set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    /** Adds or replaces a file of the WAR, such as {@code WEB-INF/web.xml}. */
    WarVariant file(String path, String content) {
        files.put(path, content);
        return this;
    }

    /** Writes the copy of {@code war} as {@code dir/<name>.war} (so {@code /<name>/} on Payara Micro). */
    Path write(Path war, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path copy = dir.resolve(name + ".war");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(war));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (files.containsKey(entry.getName())) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                if (entry.getName().equals(CONFIG)) {
                    in.transferTo(out);
                    // later lines of a properties file win over earlier ones with the same key
                    StringBuilder more = new StringBuilder("\n");
                    settings.forEach((k, v) -> more.append(k).append('=').append(v).append('\n'));
                    out.write(more.toString().getBytes(StandardCharsets.ISO_8859_1));
                } else {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
            for (Map.Entry<String, String> f : files.entrySet()) {
                out.putNextEntry(new ZipEntry(f.getKey()));
                out.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return copy;
    }
}
