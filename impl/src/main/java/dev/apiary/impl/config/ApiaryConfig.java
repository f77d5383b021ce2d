package dev.apiary.impl.config;

import dev.apiary.ConfigurationException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/**
 * Typed reads of {@code apiary.*} keys with defaults. A bad value does not stop the reading: it is recorded as a
 * problem that names the key, the value and what is expected, so that a deployment reports every bad key at once.
 */
public final class ApiaryConfig {

    private static final Logger LOG = Logger.getLogger(ApiaryConfig.class.getName());

    /**
     * Every key read through any instance, for {@link UnknownKeys}: a key read at deployment or start-up is a valid
     * one, whoever reads it.
     */
    static final java.util.Set<String> READ = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final ConfigLookup lookup;
    private final List<ConfigurationException> problems = new ArrayList<>();

    public ApiaryConfig(ConfigLookup lookup) {
        this.lookup = lookup;
    }

    /**
     * The application's MicroProfile Config (read through the {@link ConfigLookupProvider} that {@code apiary-cdi}
     * registers), or no configuration at all without it (then only annotation values and defaults apply, which is
     * logged once).
     */
    public static ApiaryConfig fromEnvironment() {
        ApiaryConfig config = fromEnvironmentQuietly();
        if (config.lookup == ConfigLookup.NONE) {
            LOG.info("MicroProfile Config is not available: Apiary uses annotation values and defaults, apiary.*"
                    + " keys are not read");
        }
        return config;
    }

    /** As {@link #fromEnvironment()}, without the log line: for values read each time a storage is built. */
    public static ApiaryConfig fromEnvironmentQuietly() {
        try {
            for (ConfigLookupProvider provider
                    : ServiceLoader.load(ConfigLookupProvider.class, ApiaryConfig.class.getClassLoader())) {
                Optional<ConfigLookup> lookup = provider.lookup();
                if (lookup.isPresent()) {
                    return new ApiaryConfig(lookup.get());
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            // a provider whose configuration API is missing here: as if there were none
        }
        return new ApiaryConfig(ConfigLookup.NONE);
    }

    /** Every bad value read so far, one exception per key. */
    public List<ConfigurationException> problems() {
        return List.copyOf(problems);
    }

    /** The raw value of a key, if set. */
    public Optional<String> raw(String key) {
        READ.add(key);
        return lookup.get(key);
    }

    /** The names of every configured property (and environment variable), as the configuration lists them. */
    public Iterable<String> names() {
        return lookup.names();
    }

    /** A whole number of at least {@code min}. */
    public int integer(String key, int fallback, int min) {
        Optional<String> value = raw(key);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.get());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the key
        }
        problem(key, value.get(), "a whole number of at least " + min);
        return fallback;
    }

    /** {@code true} or {@code false}. */
    public boolean bool(String key, boolean fallback) {
        Optional<String> value = raw(key);
        if (value.isEmpty()) {
            return fallback;
        }
        String v = value.get().toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        problem(key, value.get(), "true or false");
        return fallback;
    }

    /** A positive duration, or also zero when {@code zeroAllowed}. */
    public Duration duration(String key, Duration fallback, boolean zeroAllowed) {
        Optional<String> value = raw(key);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            Duration d = Durations.parse(value.get());
            if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
                problem(key, value.get(), zeroAllowed ? "a duration of zero or more" : "a positive duration");
                return fallback;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(key, value.get(), "a duration: ISO-8601 (PT30S) or a number with a unit (500ms, 30s, 5m, 2h, 1d)");
            return fallback;
        }
    }

    /** A non-blank string. */
    public String string(String key, String fallback) {
        return raw(key).orElse(fallback);
    }

    /** Records a problem with a value that was read and parsed, but does not fit with another. */
    public void problem(String message) {
        problems.add(new ConfigurationException(message));
    }

    private void problem(String key, String value, String expected) {
        problems.add(new ConfigurationException("Invalid value '" + value + "' for " + key + ": expected " + expected));
    }
}
