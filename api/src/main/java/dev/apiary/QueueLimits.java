package dev.apiary;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Cluster-wide limits on one queue, enforced by its storage where jobs are claimed, so that no node (prefetch
 * included) takes a job past them: at most {@code maxRunning} jobs running at once on all nodes, at most
 * {@code rate} starts per period, and, with a {@link PartitionKey}, the same two limits per key without holding up
 * other keys, optionally claimed round-robin across keys ({@code fair}). Every node of the queue must be given the
 * same limits. Immutable; each {@code with…} method returns a copy.
 *
 * @param maxRunning       jobs running at once on all nodes; 0 for no limit
 * @param rate             starts per period on all nodes, or {@code null} for no limit
 * @param partitionBy      where a job's key comes from, or {@code null} when the queue has no per-key limits
 * @param maxRunningPerKey jobs of one key running at once; 0 for no limit
 * @param ratePerKey       starts of one key per period, or {@code null} for no limit
 * @param fair             claim round-robin across keys instead of by priority and run-at alone
 */
public record QueueLimits(int maxRunning, Rate rate, PartitionKey partitionBy, int maxRunningPerKey, Rate ratePerKey,
                          boolean fair) {

    private static final QueueLimits NONE = new QueueLimits(0, null, null, 0, null, false);

    public QueueLimits {
        if (maxRunning < 0) {
            throw new ConfigurationException("maxRunning must be 0 (no limit) or more, was " + maxRunning);
        }
        if (maxRunningPerKey < 0) {
            throw new ConfigurationException("maxRunningPerKey must be 0 (no limit) or more, was "
                    + maxRunningPerKey);
        }
        if (partitionBy == null && (maxRunningPerKey > 0 || ratePerKey != null || fair)) {
            throw new ConfigurationException("Limits per key and fairness need a partition key (partitionedBy)");
        }
    }

    /** No limit at all: claims take what the workers ask for. */
    public static QueueLimits none() {
        return NONE;
    }

    /** Whether any limit or fairness is set, so that claims must count. */
    public boolean limited() {
        return maxRunning > 0 || rate != null || partitionBy != null;
    }

    /** Whether per-key limits or fairness are set. */
    public boolean partitioned() {
        return partitionBy != null;
    }

    public QueueLimits withMaxRunning(int max) {
        return new QueueLimits(max, rate, partitionBy, maxRunningPerKey, ratePerKey, fair);
    }

    /** At most {@code starts} job starts per {@code period} on all nodes. */
    public QueueLimits withRate(int starts, Duration period) {
        return new QueueLimits(maxRunning, new Rate(starts, period), partitionBy, maxRunningPerKey, ratePerKey, fair);
    }

    public QueueLimits partitionedBy(PartitionKey key) {
        return new QueueLimits(maxRunning, rate, key, maxRunningPerKey, ratePerKey, fair);
    }

    public QueueLimits withMaxRunningPerKey(int max) {
        return new QueueLimits(maxRunning, rate, partitionBy, max, ratePerKey, fair);
    }

    /** At most {@code starts} starts of one key per {@code period} on all nodes. */
    public QueueLimits withRatePerKey(int starts, Duration period) {
        return new QueueLimits(maxRunning, rate, partitionBy, maxRunningPerKey, new Rate(starts, period), fair);
    }

    /** Claims round-robin across keys, so that a key with a large backlog cannot starve one with a few jobs. */
    public QueueLimits withFairness(boolean roundRobin) {
        return new QueueLimits(maxRunning, rate, partitionBy, maxRunningPerKey, ratePerKey, roundRobin);
    }

    /**
     * At most {@code starts} starts in each period. Periods are aligned on the epoch (a period of one second runs
     * from one whole second to the next), and each period's count is kept in the storage, so the limit holds across
     * nodes and restarts.
     *
     * @param starts at least 1
     * @param per    at least a millisecond
     */
    public record Rate(int starts, Duration per) {
        public Rate {
            Objects.requireNonNull(per, "per");
            if (starts < 1) {
                throw new ConfigurationException("A rate needs at least 1 start per period, was " + starts);
            }
            if (per.toMillis() < 1) {
                throw new ConfigurationException("A rate's period must be at least 1 ms, was " + per);
            }
        }

        /**
         * Parses {@code "10/1s"}, {@code "100/PT1M"} or {@code "5/500ms"}: starts, a slash, and a period as an ISO-8601
         * duration or a number with {@code ms}, {@code s}, {@code m} or {@code h}.
         */
        public static Rate parse(String text) {
            String[] parts = text.trim().split("/", 2);
            try {
                return new Rate(Integer.parseInt(parts[0].trim()), parts.length < 2 ? Duration.ofSeconds(1)
                        : duration(parts[1].trim()));
            } catch (RuntimeException e) {
                throw new ConfigurationException("'" + text + "' is not a rate; write starts/period, e.g. 10/1s, "
                        + "100/1m or 5/PT0.5S", e);
            }
        }

        private static Duration duration(String text) {
            String t = text.toLowerCase(Locale.ROOT);
            if (t.startsWith("pt")) {
                return Duration.parse(text);
            } else if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        }

        @Override
        public String toString() {
            return starts + "/" + per;
        }
    }

    /**
     * Where a job's partition key comes from: a metadata value ({@link JobOptions#withMetadata}) or a property of
     * the payload (a record component, a getter or a public field). A job without one is limited only by the
     * queue's own limits. The key is read when the job is pushed.
     *
     * @param source   where to look
     * @param name     the metadata key or the property's name
     */
    public record PartitionKey(Source source, String name) {

        /** Where a key is read from. */
        public enum Source { METADATA, PAYLOAD }

        public PartitionKey {
            Objects.requireNonNull(source, "source");
            if (name == null || name.isBlank()) {
                throw new ConfigurationException("A partition key needs the name of a metadata key or property");
            }
        }

        /** The value of metadata {@code key}. */
        public static PartitionKey metadata(String key) {
            return new PartitionKey(Source.METADATA, key);
        }

        /** The value of the payload's property {@code property}, as text. */
        public static PartitionKey payloadProperty(String property) {
            return new PartitionKey(Source.PAYLOAD, property);
        }

        /** Parses {@code metadata:<key>} or {@code payload:<property>}. */
        public static PartitionKey parse(String text) {
            String t = text.trim();
            if (t.startsWith("metadata:")) {
                return metadata(t.substring("metadata:".length()));
            } else if (t.startsWith("payload:")) {
                return payloadProperty(t.substring("payload:".length()));
            }
            throw new ConfigurationException("'" + text + "' is not a partition key; write metadata:<key> or "
                    + "payload:<property>");
        }

        /** The key of a job with this payload and metadata, or {@code null} when it has none. */
        public String keyOf(Object payload, Map<String, String> metadata) {
            Object value = source == Source.METADATA ? (metadata == null ? null : metadata.get(name))
                    : property(payload);
            String key = value == null ? null : value.toString();
            return key == null || key.isEmpty() ? null : key;
        }

        private Object property(Object payload) {
            if (payload == null) {
                return null;
            }
            Class<?> type = payload.getClass();
            try {
                if (type.isRecord()) {
                    for (RecordComponent c : type.getRecordComponents()) {
                        if (c.getName().equals(name)) {
                            Method accessor = c.getAccessor();
                            accessor.setAccessible(true);
                            return accessor.invoke(payload);
                        }
                    }
                }
                String suffix = Character.toUpperCase(name.charAt(0)) + name.substring(1);
                for (String getter : new String[] {"get" + suffix, "is" + suffix}) {
                    try {
                        Method m = type.getMethod(getter);
                        return m.invoke(payload);
                    } catch (NoSuchMethodException ignored) {
                        // try the next form
                    }
                }
                Field field = type.getField(name);
                if (Modifier.isStatic(field.getModifiers())) {
                    throw new NoSuchFieldException(name);
                }
                return field.get(payload);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new ConfigurationException("The partition key property '" + name + "' cannot be read from "
                        + type.getName() + ": give it a record component, a getter or a public field of that name",
                        e);
            }
        }

        @Override
        public String toString() {
            return (source == Source.METADATA ? "metadata:" : "payload:") + name;
        }
    }
}
