package dev.apiary.dashboard;

import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Storages;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The application's job storages, by queue name, as the runtime holds them ({@link Storages}). Not looked up as
 * {@code JobStorage} beans here: every lookup of a {@code @Dependent} producer's bean makes a new storage (with its
 * threads and connections), and the page asks every two seconds.
 */
@ApplicationScoped
public class Queues {

    @Inject
    Storages storages;

    /** Every queue, sorted by name; a storage produced under two qualifiers is listed once. */
    public Map<String, JobStorage<?>> all() {
        Map<String, JobStorage<?>> byName = new TreeMap<>();
        for (JobStorage<?> storage : storages.all()) {
            byName.putIfAbsent(storage.queue(), storage);
        }
        return byName;
    }

    public Optional<JobStorage<?>> find(String name) {
        return Optional.ofNullable(all().get(name));
    }

    /** The queue, or a 404 that lists the queues there are. */
    JobStorage<?> require(String name) {
        return find(name).orElseThrow(() -> DashboardProblem.notFound("no queue '" + name + "'; queues are "
                + all().keySet()));
    }
}
