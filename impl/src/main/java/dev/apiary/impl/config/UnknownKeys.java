package dev.apiary.impl.config;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Spots {@code apiary.*} properties and {@code APIARY_*} environment variables that match no key Apiary reads (a
 * misspelt worker name or setting is otherwise silently ignored) and logs one warning per key, naming the closest
 * valid key. Valid keys are the fixed ones below and every key read so far ({@link ApiaryConfig#READ}), so a check
 * made after start-up knows each worker's keys.
 */
public final class UnknownKeys {

    private static final Logger LOG = Logger.getLogger(UnknownKeys.class.getName());

    /**
     * Keys that are valid although nothing may have read them through {@link ApiaryConfig} yet: a default storage
     * built on first use, modules that inject their keys. A module reading keys another way adds them here.
     */
    private static final List<String> FIXED = List.of(MonitorSettings.GRACE_PERIOD,
            MonitorSettings.EXECUTOR_JNDI_NAME, MonitorSettings.SCHEDULER_JNDI_NAME, MonitorSettings.MAX_TICK_AGE,
            MonitorSettings.MAX_RESTARTS, MonitorSettings.RESTART_BACKOFF, MonitorSettings.MAX_RESTART_BACKOFF,
            MonitorSettings.AWAIT_POLL_INTERVAL,
            "apiary.storage.create-schema", "apiary.storage.notifications", "apiary.storage.data-source", StorageSettings.WORKER_RETENTION,
            StorageSettings.RETENTION, StorageSettings.RETENTION_INTERVAL, StorageSettings.NODE,
            // read by the dashboard module through @ConfigProperty, not through ApiaryConfig
            "apiary.dashboard.viewer-role", "apiary.dashboard.admin-role", "apiary.dashboard.show-payloads",
            "apiary.dashboard.allow-anonymous", "apiary.dashboard.audit-size", "apiary.dashboard.allowed-origins");

    private UnknownKeys() {
    }

    /** One message per configured Apiary key that matches nothing; also logged at WARNING. */
    public static List<String> warn(ApiaryConfig config) {
        Set<String> valid = new TreeSet<>(FIXED);
        valid.addAll(ApiaryConfig.READ);
        Set<String> names = new LinkedHashSet<>();
        config.names().forEach(names::add);
        System.getenv().keySet().stream().filter(n -> n.startsWith("APIARY_")).forEach(names::add);
        Set<String> validEnv = new TreeSet<>();
        valid.forEach(k -> validEnv.add(envName(k)));
        List<String> messages = new java.util.ArrayList<>();
        for (String name : names) {
            boolean env = name.startsWith("APIARY_");
            if (!env && !name.startsWith("apiary.")) {
                continue;
            }
            if (env ? validEnv.contains(name) : valid.contains(name)) {
                continue;
            }
            String closest = closest(envName(name), valid);
            String message = (env ? "Environment variable " : "Configuration key ") + name + " matches no Apiary key"
                    + " and is ignored" + (closest == null ? "" : "; did you mean " + closest
                    + (env ? " (" + envName(closest) + ")" : "") + "?");
            LOG.warning(message);
            messages.add(message);
        }
        return messages;
    }

    /** The environment variable MicroProfile Config maps to {@code key}. */
    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static String closest(String wanted, Collection<String> valid) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String key : valid) {
            int d = distance(wanted, envName(key));
            if (d < bestDistance) {
                best = key;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
