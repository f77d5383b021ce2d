package dev.apiary.jpa;

import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.impl.storage.JobStorageContract;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.JobStorage;

/** The storage contract with the portable JPQL-only SQL ({@link SqlDialect#STANDARD}) on PostgreSQL. */
class PortableSqlPostgresStorageTest extends JobStorageContract {

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.HIBERNATE, Db.POSTGRESQL))
                .queue(queue, ContractPayload.class).dialect(SqlDialect.STANDARD).build();
    }
}
