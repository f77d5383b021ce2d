package dev.apiary.impl.config;

import java.util.Optional;

/** Where configuration values come from: MicroProfile Config when the application has it, nothing otherwise. */
@FunctionalInterface
public interface ConfigLookup {

    /** The raw value of {@code key}, if set. */
    Optional<String> get(String key);

    /** The names of every configured property, for spotting keys that match nothing. */
    default Iterable<String> names() {
        return java.util.List.of();
    }

    /** No configuration: annotation values and defaults apply. */
    ConfigLookup NONE = key -> Optional.empty();
}
