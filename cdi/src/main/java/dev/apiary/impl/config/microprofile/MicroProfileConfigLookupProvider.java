package dev.apiary.impl.config.microprofile;

import dev.apiary.impl.config.ConfigLookup;
import dev.apiary.impl.config.ConfigLookupProvider;

import java.util.Optional;

/**
 * Gives the engine the application's MicroProfile Config, registered in {@code META-INF/services}. This class names
 * no MicroProfile type itself, so the service loader can build it on a server without MicroProfile Config; then it
 * gives nothing.
 */
public final class MicroProfileConfigLookupProvider implements ConfigLookupProvider {

    private static final String MP_CONFIG = "org.eclipse.microprofile.config.ConfigProvider";

    @Override
    public Optional<ConfigLookup> lookup() {
        return isPresent(MP_CONFIG) ? MicroProfileConfigLookup.create() : Optional.empty();
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, MicroProfileConfigLookupProvider.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
