package dev.apiary.impl.storage;

import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobStorage;

import java.time.Clock;

/** The storage contract on the in-memory storage. */
class InMemoryStorageTest extends JobStorageContract {

    private static final JsonbCodec CODEC = new JsonbCodec();

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue, Clock clock) {
        return new InMemoryStorage<>(queue, ContractPayload.class, CODEC, clock);
    }

    @Override
    protected <T> JobStorage<T> newStorage(String queue, Class<T> type, Codec codec, Clock clock) {
        return new InMemoryStorage<>(queue, type, codec, clock);
    }

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue, Clock clock, int maxResultLength) {
        return new InMemoryStorage<>(queue, ContractPayload.class, CODEC, clock).maxResultLength(maxResultLength);
    }
}
