package dev.apiary.impl.cdi;

import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.StorageSettings;
import dev.apiary.impl.storage.RetentionCleaner;
import dev.apiary.spi.JobStorage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Logger;

/**
 * Which storages keep finished jobs for how long ({@code apiary.storage.retention},
 * {@code apiary.queues.<queue>.retention}) and how often to purge them: one retention cleaner per distinct
 * retention.
 */
record RetentionPlan(Map<Duration, List<JobStorage<?>>> byRetention, Duration interval) {

    private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());

    /** Read before the workers start, so that a bad value fails the start. */
    static RetentionPlan read(RuntimeDirectory directory) {
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        Map<Duration, List<JobStorage<?>>> byRetention = new LinkedHashMap<>();
        Set<JobStorage<?>> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (StorageBean bean : directory.storages()) {
            JobStorage<?> storage = directory.storage(bean);
            if (seen.add(storage)) {
                StorageSettings.jobRetention(config, storage.queue()).ifPresent(r ->
                        byRetention.computeIfAbsent(r, k -> new ArrayList<>()).add(storage));
            }
        }
        Duration interval = StorageSettings.retentionInterval(config);
        if (!config.problems().isEmpty()) {
            throw config.problems().get(0);
        }
        return new RetentionPlan(byRetention, interval);
    }

    /** Starts the cleaners on {@code scheduler}; the caller closes them at stop. */
    List<RetentionCleaner> start(ScheduledExecutorService scheduler) {
        List<RetentionCleaner> cleaners = new ArrayList<>();
        byRetention.forEach((keep, storages) -> {
            cleaners.add(RetentionCleaner.start(scheduler, keep, interval, storages));
            LOG.info(() -> "Apiary purges finished jobs older than " + keep + " from queues "
                    + storages.stream().map(JobStorage::queue).toList() + " every " + interval);
        });
        return cleaners;
    }
}
