package dev.apiary.dashboard;

import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.ConfigLookup;
import dev.apiary.impl.config.UnknownKeys;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Executable;
import java.lang.reflect.Parameter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every key the dashboard reads through {@code @ConfigProperty} is one the start-up check of unknown keys knows, so
 * setting it is not answered with a warning that it "matches no Apiary key and is ignored".
 */
class DashboardKeysAreKnownTest {

    @Test
    void everyKeyTheDashboardInjectsIsAValidApiaryKey() throws Exception {
        Set<String> keys = injectedKeys();
        assertThat(keys).as("keys found in the dashboard's classes").contains("apiary.dashboard.admin-role",
                "apiary.dashboard.allowed-origins", "apiary.dashboard.audit-size");

        List<String> warnings = UnknownKeys.warn(new ApiaryConfig(new ConfigLookup() {
            @Override
            public Optional<String> get(String key) {
                return keys.contains(key) ? Optional.of("x") : Optional.empty();
            }

            @Override
            public Iterable<String> names() {
                return keys;
            }
        }));

        assertThat(warnings).filteredOn(w -> w.startsWith("Configuration key")).isEmpty();
    }

    /** The names of every {@code @ConfigProperty} on a field, a constructor's or a method's parameter. */
    private static Set<String> injectedKeys() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(DashboardSettings.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".");
                types.add(Class.forName(name.substring(0, name.length() - ".class".length()), false,
                        DashboardSettings.class.getClassLoader()));
            }
        }
        Set<String> keys = new TreeSet<>();
        for (Class<?> type : types) {
            List<AnnotatedElement> places = new ArrayList<>(List.of(type.getDeclaredFields()));
            List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredConstructors()));
            executables.addAll(List.of(type.getDeclaredMethods()));
            for (Executable e : executables) {
                for (Parameter p : e.getParameters()) {
                    places.add(p);
                }
            }
            for (AnnotatedElement place : places) {
                ConfigProperty property = place.getAnnotation(ConfigProperty.class);
                if (property != null) {
                    keys.add(property.name());
                }
            }
        }
        return keys;
    }
}
