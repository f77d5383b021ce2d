package dev.apiary.jpa;

import dev.apiary.JobOptions;
import dev.apiary.QueueLimits;
import dev.apiary.StorageException;
import dev.apiary.spi.ApiaryProvider;
import jakarta.persistence.EntityManager;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The enqueues of the job storage of one queue: pushes, in the caller's transaction when there is one, and the
 * inserts of a schedule's fire, in the schedule's transaction.
 *
 * @param <T> the payload type
 */
final class Pushes<T> {

    private final String queue;
    private final JobTable table;
    private final JobMapping<T> mapping;
    private final StorageTransactions transactions;
    private final WakeUps wakeUps;
    private final Clock clock;
    /** One instance, so that many pushes in one caller transaction wake the workers once. */
    private final Runnable wakeUpOnce;

    Pushes(String queue, JobTable table, JobMapping<T> mapping, StorageTransactions transactions, WakeUps wakeUps,
           Clock clock) {
        this.queue = queue;
        this.table = table;
        this.mapping = mapping;
        this.transactions = transactions;
        this.wakeUps = wakeUps;
        this.clock = clock;
        this.wakeUpOnce = wakeUps::wakeUp;
    }

    String push(T payload, JobOptions given) {
        return insert(mapping.payload(payload), () -> payload, given);
    }

    /** Pushes text that is already JSON: checked against the payload type, then stored as it came. */
    String pushJson(String json, JobOptions given) {
        String checked = mapping.checkedPayload(json);
        return insert(checked, () -> mapping.decoded(checked), given);
    }

    private String insert(String json, Supplier<T> payload, JobOptions given) {
        Objects.requireNonNull(given, "options");
        JobOptions options = ApiaryProvider.instance().pushing(queue, given, 1);
        String metadata = mapping.metadata(options.metadata());
        String key = options.uniqueKey();
        QueueLimits limits = table.limits();
        String partition = limits.partitioned() ? limits.partitionBy().keyOf(payload.get(), options.metadata())
                : null;
        if (key == null) {
            return enqueue("push a job", (em, notify) -> keyed(em, partition,
                    table.insert(em, json, metadata, options, now(), notify)));
        }
        // a lost race for the key fails the insert; in a transaction of its own that means the winner holds it (a
        // caller's transaction is spoiled by the failure, so there the error reaches the caller)
        boolean joined = transactions.joinsCaller();
        try {
            return enqueue("push a job with unique key '" + key + "'", (em, notify) -> {
                String id = keyed(em, partition, table.insertUnique(em, json, metadata, options, now()));
                if (notify) {
                    table.notifyOtherNodes(em);
                }
                return id;
            });
        } catch (StorageException e) {
            String holder = joined ? null : transactions.run("find the job holding unique key '" + key + "'",
                    em -> table.activeHolder(em, key));
            if (holder == null) {
                throw e;
            }
            return holder;
        }
    }

    List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        Objects.requireNonNull(options, "options");
        if (payloads.isEmpty()) {
            return List.of();
        }
        if (options.uniqueKey() != null) {
            // every payload shares the key: the first push holds it and the others return its id
            List<String> ids = new ArrayList<>(payloads.size());
            for (T payload : payloads) {
                ids.add(push(payload, options));
            }
            return ids;
        }
        List<String> json = new ArrayList<>(payloads.size());
        for (T payload : payloads) {
            json.add(mapping.payload(payload));
        }
        JobOptions stored = ApiaryProvider.instance().pushing(queue, options, payloads.size());
        String metadata = mapping.metadata(stored.metadata());
        QueueLimits limits = table.limits();
        return enqueue("push " + payloads.size() + " jobs", (em, notify) -> {
            List<String> ids = table.insertAll(em, json, metadata, options, now(), notify);
            if (limits.partitioned()) {
                Map<String, List<String>> byKey = new HashMap<>();
                for (int i = 0; i < ids.size(); i++) {
                    String partition = limits.partitionBy().keyOf(payloads.get(i), stored.metadata());
                    if (partition != null) {
                        byKey.computeIfAbsent(partition, k -> new ArrayList<>()).add(ids.get(i));
                    }
                }
                table.setPartitionKeys(em, byKey);
            }
            return ids;
        });
    }

    /**
     * Sets a new job's partition key by a second statement in the same transaction, so that the inserts (whose
     * form differs per database) stay as they are and queues without partitioned limits pay nothing.
     */
    private String keyed(EntityManager em, String partition, String id) {
        if (partition != null) {
            table.setPartitionKeys(em, Map.of(partition, List.of(id)));
        }
        return id;
    }

    /** {@code work} gets the entity manager and whether to notify other nodes (once per transaction). */
    private <R> R enqueue(String what, BiFunction<EntityManager, Boolean, R> work) {
        return transactions.enqueue(what, work, wakeUpOnce);
    }

    /** What a schedule's fire needs of the storage: its own transactions and the inserts of a push. */
    JpaScheduleStore.Jobs forSchedules() {
        return new JpaScheduleStore.Jobs() {

            @Override
            public <R> R run(String what, Function<EntityManager, R> work) {
                return transactions.run(what, work);
            }

            @Override
            @SuppressWarnings("unchecked")
            public String insert(EntityManager em, Object payload, JobOptions options) {
                String json = mapping.payload((T) payload);
                String metadata = mapping.metadata(options.metadata());
                QueueLimits limits = table.limits();
                String partition = limits.partitioned() ? limits.partitionBy().keyOf(payload, options.metadata())
                        : null;
                return keyed(em, partition, options.uniqueKey() == null
                        ? table.insert(em, json, metadata, options, now(), false)
                        : table.insertUnique(em, json, metadata, options, now()));
            }

            @Override
            public void afterFire(EntityManager em) {
                table.notifyOtherNodes(em);
            }

            @Override
            public void wakeUp() {
                wakeUps.wakeUp();
            }
        };
    }

    private LocalDateTime now() {
        return JobTable.utc(clock.instant());
    }
}
