package dev.apiary.impl.config;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * One worker bean's settings: its annotation's values with {@code apiary.workers.<name>.*} applied on top.
 *
 * @param maxAttempts the configured override of {@code @Retry(maxAttempts)}, if any
 */
public record WorkerSettings(String name, boolean enabled, int concurrency, int instances, Duration pollInterval,
                             Duration maxPollInterval, Duration heartbeatInterval, Duration lease,
                             OptionalInt maxAttempts) {

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

    /** The prefix of this worker's keys, {@code apiary.workers.<name>.}. */
    public static String prefix(String name) {
        return "apiary.workers." + name + ".";
    }

    /** Reads the settings of worker {@code name}, whose annotation gives {@code concurrency} and {@code instances}. */
    public static WorkerSettings read(ApiaryConfig config, String name, int concurrency, int instances) {
        String p = prefix(name);
        Duration poll = config.duration(p + "poll-interval", DEFAULT_POLL_INTERVAL, false);
        Duration maxPoll = config.duration(p + "max-poll-interval", DEFAULT_MAX_POLL_INTERVAL, false);
        Duration heartbeat = config.duration(p + "heartbeat-interval", DEFAULT_HEARTBEAT_INTERVAL, false);
        Duration lease = config.duration(p + "lease", DEFAULT_LEASE, true);
        if (maxPoll.compareTo(poll) < 0) {
            config.problem(p + "max-poll-interval (" + maxPoll + ") is shorter than " + p + "poll-interval (" + poll
                    + ")");
        }
        if (!lease.isZero() && lease.compareTo(heartbeat) <= 0) {
            config.problem(p + "lease (" + lease + ") must be longer than " + p + "heartbeat-interval (" + heartbeat
                    + "), or live workers lose their jobs; 0 turns orphan recovery off");
        }
        OptionalInt maxAttempts = config.raw(p + "max-attempts").isPresent()
                ? OptionalInt.of(config.integer(p + "max-attempts", 1, 1)) : OptionalInt.empty();
        return new WorkerSettings(name, config.bool(p + "enabled", true),
                config.integer(p + "concurrency", concurrency, 1), config.integer(p + "instances", instances, 1),
                poll, maxPoll, heartbeat, lease, maxAttempts);
    }
}
