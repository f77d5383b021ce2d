package dev.apiary.impl.config;

import java.util.Optional;

/**
 * Finds the application's configuration for {@link ApiaryConfig#fromEnvironment()}, so that the engine reads
 * {@code apiary.*} keys without depending on a configuration API. Implementations are found through
 * {@link java.util.ServiceLoader} ({@code META-INF/services}); the CDI and MicroProfile module ({@code apiary-cdi})
 * registers one over MicroProfile Config. Without any, only values set in code and defaults apply.
 */
public interface ConfigLookupProvider {

    /**
     * The application's configuration, or empty when this provider's configuration API or its implementation is not
     * available here. An implementation must not fail when its API is missing from the class path.
     */
    Optional<ConfigLookup> lookup();
}
