package dev.apiary.impl.cdi;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;

import java.util.Map;

/**
 * Gives the next container a MicroProfile Config (SmallRye Config) with the given {@code apiary.*} values on top of
 * the default sources, registered for the test thread's class loader as a server would register the application's.
 */
public final class TestConfig {

    private TestConfig() {
    }

    /** Replaces the config of this thread's class loader by one with {@code values}. */
    public static void use(Map<String, String> values) {
        clear();
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDefaultSources()
                .withSources(new PropertiesConfigSource(values, "apiary-test", 500))
                .build();
        ConfigProviderResolver.instance().registerConfig(config, loader());
    }

    /** Drops the registered config, so the next test starts from the defaults. */
    public static void clear() {
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        try {
            resolver.releaseConfig(resolver.getConfig(loader()));
        } catch (IllegalStateException e) {
            // nothing registered
        }
    }

    private static ClassLoader loader() {
        return Thread.currentThread().getContextClassLoader();
    }
}
