package dev.apiary.impl.cdi;

import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The in-memory storage of the tests' unqualified {@code email} queue, as an application would produce one. */
@ApplicationScoped
public class EmailStorage {

    @Produces
    @ApplicationScoped
    JobStorage<Email> email() {
        return InMemory.storage("email", Email.class);
    }
}
