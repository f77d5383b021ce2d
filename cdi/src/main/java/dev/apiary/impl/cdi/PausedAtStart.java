package dev.apiary.impl.cdi;

import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.StorageSettings;
import dev.apiary.spi.JobStorage;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Applies {@code apiary.queues.<queue>.paused} before the workers start: {@code true} pauses the queue (for every
 * node, as {@link JobStorage#pause} does), {@code false} resumes it; without the key the stored state holds.
 */
final class PausedAtStart {

    private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());

    private PausedAtStart() {
    }

    /** Reads every storage's key first, so that a bad value fails the start before any queue changes. */
    static void apply(RuntimeDirectory directory) {
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        Set<JobStorage<?>> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<JobStorage<?>, Boolean> wanted = new LinkedHashMap<>();
        for (StorageBean bean : directory.storages()) {
            JobStorage<?> storage = directory.storage(bean);
            if (seen.add(storage)) {
                StorageSettings.pausedAtStart(config, storage.queue()).ifPresent(p -> wanted.put(storage, p));
            }
        }
        if (!config.problems().isEmpty()) {
            throw config.problems().get(0);
        }
        wanted.forEach((storage, paused) -> {
            if (paused) {
                storage.pause();
                LOG.info(() -> "Queue '" + storage.queue() + "' is paused on every node ("
                        + StorageSettings.pausedKey(storage.queue()) + "=true); it stays paused until resumed");
            } else if (storage.isPaused()) {
                storage.resume();
                LOG.info(() -> "Queue '" + storage.queue() + "' is resumed on every node ("
                        + StorageSettings.pausedKey(storage.queue()) + "=false)");
            }
        });
    }
}
