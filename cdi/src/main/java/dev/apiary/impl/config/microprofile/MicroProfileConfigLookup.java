package dev.apiary.impl.config.microprofile;

import dev.apiary.impl.config.ConfigLookup;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.Optional;
import java.util.ServiceConfigurationError;

/**
 * Reads values through the MicroProfile Config API. Only {@link MicroProfileConfigLookupProvider} refers to this
 * class, after checking that the API is on the class path, so a server without MicroProfile Config never loads it.
 */
final class MicroProfileConfigLookup implements ConfigLookup {

    private final Config config;

    private MicroProfileConfigLookup(Config config) {
        this.config = config;
    }

    /** The application's config, or empty when the API is present but no implementation is. */
    static Optional<ConfigLookup> create() {
        try {
            return Optional.of(new MicroProfileConfigLookup(ConfigProvider.getConfig()));
        } catch (IllegalStateException | ServiceConfigurationError e) {
            return Optional.empty();
        }
    }

    @Override
    public Iterable<String> names() {
        return config.getPropertyNames();
    }

    @Override
    public Optional<String> get(String key) {
        // raw strings: Apiary parses and reports bad values itself, naming the key
        return config.getOptionalValue(key, String.class).map(String::trim).filter(v -> !v.isEmpty());
    }
}
