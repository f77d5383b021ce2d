package dev.apiary.examples.war;

import dev.apiary.examples.war.rest.ErrorMappers;
import dev.apiary.examples.war.rest.MailsResource;
import dev.apiary.examples.war.rest.OrdersResource;
import dev.apiary.examples.war.rest.QueuesResource;
import dev.apiary.examples.war.rest.ReportsResource;
import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

import java.util.Set;

/**
 * The example's REST API under {@code /api} (enqueue demo jobs, the mail table, orders through the server's JMS
 * queue), and its data source. Jobs, workers and schedules are read and acted on through the dashboard's API,
 * {@code /apiary/api}.
 *
 * <p>The data source is defined here rather than taken from {@code java:comp/DefaultDataSource} because the default
 * differs from server to server (an H2 database on Payara and WildFly, none at all on Open Liberty unless its
 * {@code server.xml} declares one). An in-memory H2 database shipped in the WAR deploys as it is everywhere; a
 * production deployment points the persistence unit at a server-managed data source instead.
 */
@ApplicationPath("api")
@DataSourceDefinition(
        name = ExampleApplication.DATA_SOURCE,
        className = "org.h2.jdbcx.JdbcDataSource",
        url = "jdbc:h2:mem:apiary-example;DB_CLOSE_DELAY=-1",
        user = "sa",
        password = "sa")
public class ExampleApplication extends Application {

    /**
     * The example's own resources only: an {@code Application} that lists none takes every resource in the WAR,
     * the dashboard's (served under {@code /apiary/api} by its own {@code Application}) included.
     */
    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(QueuesResource.class, MailsResource.class, OrdersResource.class, ReportsResource.class,
                ErrorMappers.Problems.class,
                ErrorMappers.PayloadTooLarge.class, ErrorMappers.RestErrors.class, ErrorMappers.Unexpected.class);
    }

    /** JNDI name of the example's data source, used by {@code persistence.xml}. */
    public static final String DATA_SOURCE = "java:app/jdbc/apiary-example";
}
