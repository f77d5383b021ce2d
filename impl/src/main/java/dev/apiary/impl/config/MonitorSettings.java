package dev.apiary.impl.config;

import java.time.Duration;

/** The application-wide settings of the start-up monitor, its executors and its health checks. */
public record MonitorSettings(Duration gracePeriod, String executorJndiName, String schedulerJndiName,
                              Duration maxTickAge, int maxRestarts, Duration restartBackoff,
                              Duration maxRestartBackoff, Duration awaitPollInterval) {

    public static final String GRACE_PERIOD = "apiary.shutdown.grace-period";
    public static final String EXECUTOR_JNDI_NAME = "apiary.executor.jndi-name";
    public static final String SCHEDULER_JNDI_NAME = "apiary.scheduler.jndi-name";
    public static final String MAX_TICK_AGE = "apiary.health.max-tick-age";
    public static final String MAX_RESTARTS = "apiary.monitor.max-restarts";
    public static final String RESTART_BACKOFF = "apiary.monitor.restart-backoff";
    public static final String MAX_RESTART_BACKOFF = "apiary.monitor.max-restart-backoff";
    public static final String AWAIT_POLL_INTERVAL = "apiary.monitor.await-poll-interval";

    public static final String DEFAULT_EXECUTOR = "java:comp/DefaultManagedExecutorService";
    public static final String DEFAULT_SCHEDULER = "java:comp/DefaultManagedScheduledExecutorService";

    /** Reads the {@code apiary.*} keys that are not about one worker. */
    public static MonitorSettings read(ApiaryConfig config) {
        Duration backoff = config.duration(RESTART_BACKOFF, Duration.ofSeconds(1), true);
        Duration maxBackoff = config.duration(MAX_RESTART_BACKOFF, Duration.ofSeconds(30), true);
        if (maxBackoff.compareTo(backoff) < 0) {
            config.problem(MAX_RESTART_BACKOFF + " (" + maxBackoff + ") is shorter than " + RESTART_BACKOFF + " ("
                    + backoff + ")");
        }
        return new MonitorSettings(config.duration(GRACE_PERIOD, Duration.ofSeconds(30), true),
                config.string(EXECUTOR_JNDI_NAME, DEFAULT_EXECUTOR), config.string(SCHEDULER_JNDI_NAME,
                DEFAULT_SCHEDULER), config.duration(MAX_TICK_AGE, Duration.ofSeconds(60), false),
                config.integer(MAX_RESTARTS, 10, 0), backoff, maxBackoff,
                config.duration(AWAIT_POLL_INTERVAL, Duration.ofSeconds(1), false));
    }
}
