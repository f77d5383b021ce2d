package dev.apiary.impl.config;

import dev.apiary.ConfigurationException;
import dev.apiary.QueueLimits;
import dev.apiary.spi.NodeIdentity;

import java.time.Duration;
import java.util.Optional;

/** The {@code apiary.storage.*} keys, read when a storage is built. */
public final class StorageSettings {

    public static final String WORKER_RETENTION = "apiary.storage.worker-retention";
    /** This node's name on worker rows and attempts; see {@link dev.apiary.spi.NodeIdentity}. */
    public static final String NODE = "apiary.node";
    /** How long finished jobs of every queue are kept; unset keeps them. */
    public static final String RETENTION = "apiary.storage.retention";
    /** How often finished jobs older than their retention are purged. */
    public static final String RETENTION_INTERVAL = "apiary.storage.retention-interval";

    private StorageSettings() {
    }

    /**
     * How long a storage keeps a worker instance's row after its last heartbeat; one hour unless configured.
     *
     * @throws dev.apiary.ConfigurationException naming the key and the value when it is not a positive duration
     */
    public static Duration workerRetention(ApiaryConfig config) {
        Duration retention = config.duration(WORKER_RETENTION, Duration.ofHours(1), false);
        if (!config.problems().isEmpty()) {
            throw config.problems().get(0);
        }
        return retention;
    }

    /**
     * This node's name: {@value #NODE} (from the configuration, else the system property of that name), else the
     * name {@link NodeIdentity} detects.
     */
    public static String node(ApiaryConfig config) {
        String given = NodeIdentity.given(config.string(NODE, null));
        if (given == null) {
            given = NodeIdentity.given(System.getProperty(NODE));
        }
        return given != null ? given : NodeIdentity.detected();
    }

    /** The per-queue key that overrides {@value #RETENTION}. */
    public static String retentionKey(String queue) {
        return "apiary.queues." + queue + ".retention";
    }

    /**
     * How long the finished jobs of {@code queue} are kept: its own key, else {@value #RETENTION}, else empty (kept
     * until removed by hand). A bad value is added to the config's problems.
     */
    public static Optional<Duration> jobRetention(ApiaryConfig config, String queue) {
        Duration all = config.duration(RETENTION, null, true);
        return Optional.ofNullable(config.duration(retentionKey(queue), all, true));
    }

    /** The per-queue key that pauses ({@code true}) or resumes ({@code false}) the queue at start. */
    public static String pausedKey(String queue) {
        return "apiary.queues." + queue + ".paused";
    }

    /**
     * Whether {@code queue} is to be paused ({@code true}) or resumed ({@code false}) at start; empty when the key
     * is not set, and the stored state holds. A bad value is added to the config's problems.
     */
    public static Optional<Boolean> pausedAtStart(ApiaryConfig config, String queue) {
        String key = pausedKey(queue);
        if (config.raw(key).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(config.bool(key, false));
    }

    /** The prefix of a queue's limit keys: {@code apiary.queues.<queue>.}. */
    public static String queuePrefix(String queue) {
        return "apiary.queues." + queue + ".";
    }

    /**
     * {@code base} (from annotations, or none) with each of the queue's limit keys that is set put over it:
     * {@code max-running}, {@code rate}, {@code partition-by}, {@code max-running-per-key}, {@code rate-per-key},
     * {@code fair}. A bad value is added to the config's problems, and {@code base} is returned.
     */
    public static QueueLimits limits(ApiaryConfig config, String queue, QueueLimits base) {
        String p = queuePrefix(queue);
        try {
            int maxRunning = config.integer(p + "max-running", base.maxRunning(), 0);
            QueueLimits.Rate rate = config.raw(p + "rate").map(QueueLimits.Rate::parse).orElse(base.rate());
            QueueLimits.PartitionKey key = config.raw(p + "partition-by").map(QueueLimits.PartitionKey::parse)
                    .orElse(base.partitionBy());
            int perKey = config.integer(p + "max-running-per-key", base.maxRunningPerKey(), 0);
            QueueLimits.Rate ratePerKey = config.raw(p + "rate-per-key").map(QueueLimits.Rate::parse)
                    .orElse(base.ratePerKey());
            boolean fair = config.bool(p + "fair", base.fair());
            return new QueueLimits(maxRunning, rate, key, perKey, ratePerKey, fair);
        } catch (ConfigurationException e) {
            config.problem("Queue '" + queue + "' (keys " + p + "*): " + e.getMessage());
            return base;
        }
    }

    /** How often the retention purge runs: {@value #RETENTION_INTERVAL}, ten minutes by default. */
    public static Duration retentionInterval(ApiaryConfig config) {
        return config.duration(RETENTION_INTERVAL, Duration.ofMinutes(10), false);
    }
}
