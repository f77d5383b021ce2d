package dev.apiary.impl.config;

import java.time.Duration;

/** Whether the container monitor reports traces and metrics, and how often the backlog gauge's counts refresh. */
public record TelemetrySettings(boolean enabled, Duration backlogRefresh) {

    public static final String ENABLED = "apiary.telemetry.enabled";
    public static final String BACKLOG_REFRESH = "apiary.telemetry.backlog-refresh";

    /** Reads the {@code apiary.telemetry.*} keys. */
    public static TelemetrySettings read(ApiaryConfig config) {
        return new TelemetrySettings(config.bool(ENABLED, true),
                config.duration(BACKLOG_REFRESH, Duration.ofSeconds(10), false));
    }
}
