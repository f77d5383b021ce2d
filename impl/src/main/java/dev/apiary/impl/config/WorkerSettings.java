package dev.apiary.impl.config;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * One worker bean's settings: its annotation's values with {@code apiary.workers.<name>.*} applied on top.
 *
 * @param prefetch    the cap on jobs claimed beyond the free slots, if one is set; none lets the worker choose
 * @param maxAttempts the configured override of {@code @Retry(maxAttempts)}, if any
 */
public record WorkerSettings(String name, boolean enabled, int concurrency, int instances, OptionalInt prefetch,
                             Duration pollInterval, Duration maxPollInterval, Duration heartbeatInterval,
                             Duration lease, OptionalInt maxAttempts) {

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

    /** The prefix of this worker's keys, {@code apiary.workers.<name>.}. */
    public static String prefix(String name) {
        return "apiary.workers." + name + ".";
    }

    /** The defaults of worker {@code name}, with the given {@code concurrency} and {@code instances}. */
    public static WorkerSettings defaults(String name, int concurrency, int instances) {
        return new WorkerSettings(name, true, concurrency, instances, OptionalInt.empty(), DEFAULT_POLL_INTERVAL,
                DEFAULT_MAX_POLL_INTERVAL, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_LEASE, OptionalInt.empty());
    }

    /** Reads the settings of worker {@code name}, whose annotation gives {@code concurrency} and {@code instances}. */
    public static WorkerSettings read(ApiaryConfig config, String name, int concurrency, int instances) {
        return read(config, defaults(name, concurrency, instances));
    }

    /** Reads the settings of worker {@code annotated.name()}, with {@code annotated} (its annotation's values) below. */
    public static WorkerSettings read(ApiaryConfig config, WorkerSettings annotated) {
        String p = prefix(annotated.name());
        Duration poll = config.duration(p + "poll-interval", annotated.pollInterval(), false);
        Duration maxPoll = config.duration(p + "max-poll-interval", annotated.maxPollInterval(), false);
        Duration heartbeat = config.duration(p + "heartbeat-interval", annotated.heartbeatInterval(), false);
        Duration lease = config.duration(p + "lease", annotated.lease(), true);
        if (maxPoll.compareTo(poll) < 0) {
            config.problem(p + "max-poll-interval (" + maxPoll + ") is shorter than " + p + "poll-interval (" + poll
                    + ")");
        }
        if (!lease.isZero() && lease.compareTo(heartbeat) <= 0) {
            config.problem(p + "lease (" + lease + ") must be longer than " + p + "heartbeat-interval (" + heartbeat
                    + "), or live workers lose their jobs; 0 turns orphan recovery off");
        }
        int prefetchKey = config.integer(p + "prefetch", -1, 0);
        OptionalInt prefetch = prefetchKey < 0 ? annotated.prefetch() : OptionalInt.of(prefetchKey);
        OptionalInt maxAttempts = config.raw(p + "max-attempts").isPresent()
                ? OptionalInt.of(config.integer(p + "max-attempts", 1, 1)) : OptionalInt.empty();
        return new WorkerSettings(annotated.name(), config.bool(p + "enabled", true),
                config.integer(p + "concurrency", annotated.concurrency(), 1),
                config.integer(p + "instances", annotated.instances(), 1), prefetch, poll, maxPoll, heartbeat, lease,
                maxAttempts);
    }
}
