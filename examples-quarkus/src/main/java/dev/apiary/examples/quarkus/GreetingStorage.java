package dev.apiary.examples.quarkus;

import dev.apiary.jpa.JobSchema;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.spi.JobStorage;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.persistence.EntityManagerFactory;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The storage of the greetings, on Quarkus's default persistence unit (which holds Apiary's entities) and data
 * source. Quarkus has no JNDI, so the storage is given the JTA registry and user transaction
 * beans, where a Jakarta EE server's default storage looks them up; the tables are created at start (skipping those
 * that exist).
 */
@ApplicationScoped
public class GreetingStorage {

    @Inject
    EntityManagerFactory emf;

    @Inject
    DataSource dataSource;

    @Inject
    TransactionSynchronizationRegistry registry;

    @Inject
    UserTransaction userTransaction;

    // built at start, not at the first push: that one runs in the request's transaction, which the connection that
    // creates the tables (in auto-commit) and the one that listens for notifications must stay out of
    @Produces
    @ApplicationScoped
    @Startup
    JobStorage<Greeting> greetings() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            JobSchema.create(connection);
        }
        return JpaJobStorage.builder(emf).queue("greetingWorker", Greeting.class).jta(registry, userTransaction)
                .notifications(dataSource).build();
    }

    void close(@Disposes JobStorage<Greeting> storage) {
        ((JpaJobStorage<Greeting>) storage).close();
    }

    /** The payload of the recurring schedule {@code team-greeting}. */
    @Produces
    @Named("team-greeting")
    Greeting team() {
        return new Greeting("team");
    }
}
