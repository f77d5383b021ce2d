package dev.apiary.jpa;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.jpa.TestDatabases.Provider;
import dev.apiary.spi.ScheduleStore;
import dev.apiary.spi.Settlement;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The set-up of docs/guides/jpa-storage.md: JPA schema generation from the entities, on a fresh H2 database. */
class SchemaGenerationTest {

    @ParameterizedTest
    @EnumSource(Provider.class)
    void schemaGenerationFromTheEntitiesGivesAWorkingStorage(Provider provider) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("jakarta.persistence.jdbc.url", "jdbc:h2:mem:generated-" + provider + ";DB_CLOSE_DELAY=-1");
        properties.put("jakarta.persistence.jdbc.user", "sa");
        properties.put("jakarta.persistence.jdbc.password", "");
        properties.put("jakarta.persistence.schema-generation.database.action", "create");
        EntityManagerFactory emf = Persistence.createEntityManagerFactory(provider.unit, properties);
        try {
            JpaJobStorage<ContractPayload> storage = JpaJobStorage.builder(emf).queue("generated",
                    ContractPayload.class).build();

            String id = storage.push(new ContractPayload("x", 1));
            storage.heartbeat("w1");
            storage.settle(storage.claim("w1", 1).stream()
                    .map(j -> new Settlement(j.context(), Outcome.done())).toList());

            assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);

            // and the recurring schedules' table too
            ScheduleStore<ContractPayload> schedules = storage.scheduleStore().orElseThrow();
            Instant last = schedules.register("generated").lastFire();
            assertThat(schedules.fire("generated", last, last.plusSeconds(1), List.of(new ScheduleStore.Push<>(
                    new ContractPayload("fired", 2), JobOptions.defaults())))).hasValueSatisfying(ids ->
                    assertThat(storage.find(ids.get(0))).isPresent());
        } finally {
            emf.close();
        }
    }
}
