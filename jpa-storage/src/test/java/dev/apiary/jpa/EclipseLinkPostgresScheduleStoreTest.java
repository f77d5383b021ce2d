package dev.apiary.jpa;

import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.impl.storage.ScheduleStoreContract;
import dev.apiary.jpa.TestDatabases.Db;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.JobStorage;

/** The schedule store contract on JPA with EclipseLink on Postgres. */
class EclipseLinkPostgresScheduleStoreTest extends ScheduleStoreContract {

    @Override
    protected JobStorage<ContractPayload> newStorage(String queue) {
        return JpaJobStorage.builder(TestDatabases.emf(Provider.ECLIPSELINK, Db.POSTGRESQL)).queue(queue, ContractPayload.class).build();
    }
}
