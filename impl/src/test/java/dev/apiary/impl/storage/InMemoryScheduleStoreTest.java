package dev.apiary.impl.storage;

import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.spi.JobStorage;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** The schedule store contract on the in-memory storage; storages of one queue stand for nodes sharing it. */
class InMemoryScheduleStoreTest extends ScheduleStoreContract {

    private final Map<String, JobStorage<ContractPayload>> byQueue = new HashMap<>();

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue) {
        return byQueue.computeIfAbsent(queue,
                q -> new InMemoryStorage<>(q, ContractPayload.class, new JsonbCodec(), Clock.systemUTC()));
    }
}
