package dev.apiary.dashboard;

import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The application's job storages, by queue name: every {@code JobStorage} bean, whatever its qualifiers. */
@ApplicationScoped
public class Queues {

    @Inject
    @Any
    Instance<JobStorage<?>> storages;

    /** Every queue, sorted by name; a storage produced under two qualifiers is listed once. */
    public Map<String, JobStorage<?>> all() {
        Map<String, JobStorage<?>> byName = new TreeMap<>();
        for (JobStorage<?> storage : storages) {
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
