package dev.apiary.examples.helidon;

import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import dev.apiary.jpa.JobSchema;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceUnit;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The storage of the greetings, on Apiary's persistence unit {@code apiary} as Helidon's JPA integration builds it
 * on the application's one data source ({@code javax.sql.DataSource.apiary.*} in the configuration). Helidon has
 * no JNDI, so the storage is given Narayana's JTA registry and user transaction, where a Jakarta EE server's
 * default storage looks them up; the tables are created at start (skipping those that exist).
 */
@ApplicationScoped
public class GreetingStorage {

    @PersistenceUnit(unitName = "apiary")
    EntityManagerFactory emf;

    @Inject
    @Named("apiary")
    DataSource dataSource;

    @Produces
    @ApplicationScoped
    JobStorage<Greeting> greetings() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            JobSchema.create(connection);
        }
        // Narayana's own registry and user transaction, not the CDI beans: Helidon's UserTransaction bean looks
        // Narayana up through CDI.current() at each call, which waits while Helidon shuts the container down, and
        // a stop lets running jobs finish and settle, in transactions
        TransactionSynchronizationRegistry registry = new TransactionSynchronizationRegistryImple();
        UserTransaction userTransaction = com.arjuna.ats.jta.UserTransaction.userTransaction();
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
