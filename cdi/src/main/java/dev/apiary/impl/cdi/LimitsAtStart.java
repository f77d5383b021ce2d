package dev.apiary.impl.cdi;

import dev.apiary.ConfigurationException;
import dev.apiary.QueueLimits;
import dev.apiary.cdi.QueueLimit;
import dev.apiary.impl.config.ApiaryConfig;
import dev.apiary.impl.config.StorageSettings;
import dev.apiary.spi.JobStorage;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Gives each storage its {@link QueueLimits} before the workers start: from the {@link QueueLimit} of the worker beans
 * that take jobs from it, with the keys {@code apiary.queues.<queue>.max-running} and the others over them.
 */
final class LimitsAtStart {

    private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());

    private LimitsAtStart() {
    }

    /** Reads every storage's annotations and keys first, so that a bad value fails the start before any change. */
    static void apply(RuntimeDirectory directory) {
        ApiaryConfig config = ApiaryConfig.fromEnvironment();
        Map<JobStorage<?>, QueueLimits> annotated = new IdentityHashMap<>();
        Map<JobStorage<?>, String> annotatedBy = new IdentityHashMap<>();
        for (WorkerModel worker : directory.workers()) {
            if (worker.storage() == null) {
                continue;
            }
            JobStorage<?> storage = directory.storage(worker.storage());
            QueueLimit limit = worker.bean().beanClass().getAnnotation(QueueLimit.class);
            if (limit == null) {
                continue;
            }
            QueueLimits limits = read(limit, worker);
            QueueLimits before = annotated.putIfAbsent(storage, limits);
            if (before != null && !before.equals(limits)) {
                throw new ConfigurationException("Apiary " + worker.bean().describe() + " and "
                        + annotatedBy.get(storage) + " put different @QueueLimit values on queue '" + storage.queue()
                        + "'; give them the same, or set the keys " + StorageSettings.queuePrefix(storage.queue())
                        + "* instead");
            }
            annotatedBy.putIfAbsent(storage, worker.bean().describe());
        }
        Map<JobStorage<?>, QueueLimits> wanted = new LinkedHashMap<>();
        Map<JobStorage<?>, Boolean> seen = new IdentityHashMap<>();
        for (StorageBean bean : directory.storages()) {
            JobStorage<?> storage = directory.storage(bean);
            if (seen.put(storage, true) == null) {
                QueueLimits limits = StorageSettings.limits(config, storage.queue(),
                        annotated.getOrDefault(storage, QueueLimits.none()));
                if (limits.limited() || storage.limits().limited()) {
                    wanted.put(storage, limits);
                }
            }
        }
        if (!config.problems().isEmpty()) {
            throw config.problems().get(0);
        }
        wanted.forEach((storage, limits) -> {
            try {
                storage.limit(limits);
            } catch (UnsupportedOperationException e) {
                throw new ConfigurationException("Queue '" + storage.queue() + "' has limits (" + limits + "), but "
                        + e.getMessage(), e);
            }
            LOG.info(() -> "Queue '" + storage.queue() + "' claims within " + limits + " on every node");
        });
    }

    private static QueueLimits read(QueueLimit limit, WorkerModel worker) {
        try {
            QueueLimits limits = QueueLimits.none().withMaxRunning(limit.maxRunning());
            if (!limit.rate().isBlank()) {
                QueueLimits.Rate rate = QueueLimits.Rate.parse(limit.rate());
                limits = limits.withRate(rate.starts(), rate.per());
            }
            if (!limit.partitionBy().isBlank()) {
                limits = limits.partitionedBy(QueueLimits.PartitionKey.parse(limit.partitionBy()));
            }
            limits = limits.withMaxRunningPerKey(limit.maxRunningPerKey());
            if (!limit.ratePerKey().isBlank()) {
                QueueLimits.Rate rate = QueueLimits.Rate.parse(limit.ratePerKey());
                limits = limits.withRatePerKey(rate.starts(), rate.per());
            }
            return limits.withFairness(limit.fair());
        } catch (ConfigurationException e) {
            throw new ConfigurationException("Apiary " + worker.bean().describe() + ", @QueueLimit: "
                    + e.getMessage(), e);
        }
    }
}
