package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import jakarta.persistence.EntityManagerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a job storage checks and finds out once, while it is built, besides its database ({@link DialectDetection}):
 * that the persistence unit manages Apiary's entities.
 */
final class StorageSetup {

    private StorageSetup() {
    }

    /** A persistence unit without Apiary's entities fails deep inside the provider at the first query: say it here. */
    static void requireEntities(EntityManagerFactory emf, String queue) {
        List<String> missing = new ArrayList<>();
        for (Class<?> entity : List.of(JobEntity.class, WorkerEntity.class)) {
            try {
                emf.getMetamodel().entity(entity);
            } catch (IllegalArgumentException e) {
                missing.add(entity.getName());
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException("The persistence unit of the job storage of queue '" + queue + "' does"
                    + " not manage Apiary's entities " + missing + ": list them in its persistence.xml ("
                    + missing.stream().map(c -> "<class>" + c + "</class>").collect(Collectors.joining(" "))
                    + "), or drop the storage producer and let Apiary's default storage use its own persistence unit"
                    + " 'apiary'");
        }
    }
}
