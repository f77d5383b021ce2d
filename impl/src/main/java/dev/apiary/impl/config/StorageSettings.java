package dev.apiary.impl.config;

import java.time.Duration;

/** The {@code apiary.storage.*} keys, read when a storage is built. */
public final class StorageSettings {

    public static final String WORKER_RETENTION = "apiary.storage.worker-retention";

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
}
