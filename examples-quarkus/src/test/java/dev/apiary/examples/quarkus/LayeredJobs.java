package dev.apiary.examples.quarkus;

import dev.apiary.JobQueue;
import dev.apiary.cdi.Queue;
import dev.apiary.jpa.JobSchema;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.persistence.EntityManagerFactory;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * {@code POST /api/layered} pushes a job to {@link LayeredWorker}; {@code GET /api/layered} answers what its
 * attempts saw, as JSON (job and attempt to the layers, outermost first, joined by {@code >}).
 */
@Path("layered")
@RequestScoped
public class LayeredJobs {

    @Inject
    @Queue("layered")
    JobQueue<Greeting> layered;

    @POST
    @Produces(MediaType.TEXT_PLAIN)
    public String push() {
        return layered.push(new Greeting("layers"));
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String seen() {
        JsonObjectBuilder json = Json.createObjectBuilder();
        LayeredWorker.SEEN.forEach((attempt, layers) -> json.add(attempt, String.join(">", layers)));
        return json.build().toString();
    }

    /** The storage of queue {@code layered}, as {@link GreetingStorage} makes its own. */
    @ApplicationScoped
    public static class Storage {

        @Inject
        EntityManagerFactory emf;

        @Inject
        DataSource dataSource;

        @Inject
        TransactionSynchronizationRegistry registry;

        @Inject
        UserTransaction userTransaction;

        @jakarta.enterprise.inject.Produces
        @ApplicationScoped
        @Queue("layered")
        JobStorage<Greeting> layered() throws SQLException {
            // whichever storage the monitor starts first finds the tables
            try (Connection connection = dataSource.getConnection()) {
                JobSchema.create(connection);
            }
            return JpaJobStorage.builder(emf).queue("layered", Greeting.class).jta(registry, userTransaction)
                    .build();
        }

        void close(@Disposes @Queue("layered") JobStorage<Greeting> storage) {
            ((JpaJobStorage<Greeting>) storage).close();
        }
    }
}
