package dev.apiary.jpa;

import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.impl.storage.JobStorageContract;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.Codec;
import dev.apiary.spi.JobStorage;

import java.time.Clock;

/** The storage contract with the portable JPQL-only SQL ({@link SqlDialect#STANDARD}) on PostgreSQL. */
class PortableSqlPostgresStorageTest extends JobStorageContract {

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue, Clock clock) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL))
                .queue(queue, ContractPayload.class).clock(clock).dialect(SqlDialect.STANDARD).build();
    }

    @Override
    protected <T> JobStorage<T> newStorage(String queue, Class<T> type, Codec codec, Clock clock) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL))
                .queue(queue, type).codec(codec).clock(clock).dialect(SqlDialect.STANDARD).build();
    }

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue, Clock clock, int maxResultLength) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL))
                .queue(queue, ContractPayload.class).clock(clock).dialect(SqlDialect.STANDARD).maxResultLength(maxResultLength).build();
    }

    @Override
    protected JobStorage<ContractPayload> anotherNode(String queue, Clock clock) {
        // the portable SQL sends no notification: the other node finds completions by its fallback poll
        return JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL))
                .queue(queue, ContractPayload.class).clock(clock).dialect(SqlDialect.STANDARD)
                .build();
    }
}
