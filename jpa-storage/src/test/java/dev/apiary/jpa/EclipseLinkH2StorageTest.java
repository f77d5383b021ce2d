package dev.apiary.jpa;

import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.impl.storage.JobStorageContract;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobStorage;

import java.time.Clock;

/** The storage contract on JPA with EclipseLink on H2. */
class EclipseLinkH2StorageTest extends JobStorageContract {

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue, Clock clock) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK, Db.H2))
                .queue(queue, ContractPayload.class).clock(clock).build();
    }

    @Override
    protected <T> JobStorage<T> newStorage(String queue, Class<T> type, Codec codec, Clock clock) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK, Db.H2))
                .queue(queue, type).codec(codec).clock(clock).build();
    }

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue, Clock clock, int maxResultLength) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK, Db.H2))
                .queue(queue, ContractPayload.class).clock(clock).maxResultLength(maxResultLength).build();
    }

    @Override
    protected JobStorage<ContractPayload> anotherNode(String queue, Clock clock) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK, Db.H2))
                .queue(queue, ContractPayload.class).clock(clock).build();
    }
}
