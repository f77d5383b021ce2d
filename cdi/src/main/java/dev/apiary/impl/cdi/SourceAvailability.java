package dev.apiary.impl.cdi;

import dev.apiary.spi.JobStorage;
import dev.apiary.spi.MessageQueue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whether each storage and message queue answers now, for the readiness check; an outage is logged once when it is
 * first seen and once when it ends.
 */
final class SourceAvailability {

    private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());

    private final RuntimeDirectory directory;
    /** Storages and queues reported unavailable, so that an outage is logged once and its end once. */
    private final Map<String, Boolean> unavailable = new ConcurrentHashMap<>();

    SourceAvailability(RuntimeDirectory directory) {
        this.directory = directory;
    }

    /**
     * Every storage bean's queue and whether it answers now, and once the workers run ({@code started}) every message
     * queue's; one that throws does not answer.
     */
    Map<String, Boolean> now(boolean started, Executor executor) {
        Map<String, Boolean> result = new LinkedHashMap<>();
        for (StorageBean bean : directory.storages()) {
            String name = "bean " + bean.bean().getBeanClass().getSimpleName() + " " + bean.bean().getTypes();
            boolean available;
            try {
                JobStorage<?> storage = directory.storage(bean);
                name = storage.queue();
                available = storage.isAvailable();
                if (!available) {
                    reportUnavailable(name, null);
                }
            } catch (RuntimeException e) {
                available = false;
                reportUnavailable(name, e);
            }
            if (available && unavailable.remove(name) != null) {
                String back = name;
                LOG.info(() -> "Storage " + back + " answers again");
            }
            result.merge(name, available, Boolean::logicalAnd);
        }
        if (started) {
            for (MessageQueue<?> queue : directory.messageQueues(executor)) {
                String name = queue.queue();
                boolean available;
                try {
                    available = queue.isAvailable();
                    if (!available) {
                        reportUnavailable(name, null);
                    }
                } catch (RuntimeException e) {
                    available = false;
                    reportUnavailable(name, e);
                }
                if (available && unavailable.remove(name) != null) {
                    LOG.info(() -> "Message queue " + name + " answers again");
                }
                result.merge(name, available, Boolean::logicalAnd);
            }
        }
        return result;
    }

    /** Logs a storage that does not answer once per outage, with the reason when there is one. */
    private void reportUnavailable(String name, RuntimeException error) {
        if (unavailable.putIfAbsent(name, Boolean.TRUE) == null) {
            LOG.log(Level.WARNING, "Storage " + name + " is unavailable; readiness reports DOWN until it answers"
                    + (error == null ? "" : ": " + error), error);
        }
    }
}
