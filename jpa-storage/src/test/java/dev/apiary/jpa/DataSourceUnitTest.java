package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import jakarta.persistence.EntityManagerFactory;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The unit the default storage builds on a configured data source, outside a server: each provider accepts the unit
 * description (one compiled proxy for Persistence 3.1 and 3.2) and maps Apiary's entities; EclipseLink, which must be
 * told the server's transaction manager, stops with a message when there is no server it knows. The JTA path itself
 * runs on WildFly, Payara and Open Liberty in examples-war's smoke tests.
 */
class DataSourceUnitTest {

    @Test
    void hibernateBuildsTheUnitWithApiarysEntitiesOnTheGivenDataSource() {
        EntityManagerFactory emf = DataSourceUnit.create(new org.hibernate.jpa.HibernatePersistenceProvider(),
                "java:app/jdbc/orders", h2(), "apiary.storage.data-source");
        try {
            assertThat(emf.getMetamodel().getEntities()).extracting(type -> (Object) type.getJavaType())
                    .containsExactlyInAnyOrder(JobEntity.class, WorkerEntity.class, ScheduleEntity.class,
                            PausedQueueEntity.class, FlowEntity.class, FlowJobEntity.class, FlowEdgeEntity.class,
                            QueueLimitEntity.class);
        } finally {
            emf.close();
        }
    }

    @Test
    void eclipseLinkOnAnUnknownServerSaysWhatToDoInstead() {
        assertThatThrownBy(() -> DataSourceUnit.create(new org.eclipse.persistence.jpa.PersistenceProvider(),
                "java:app/jdbc/orders", h2(), "apiary.queues.orders.data-source"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("apiary.queues.orders.data-source=java:app/jdbc/orders: Apiary cannot tell EclipseLink"
                        + " which server's transaction manager to use here (it knows GlassFish, Payara, WildFly and"
                        + " Open Liberty). Produce a JobStorage bean with JpaJobStorage.builder(entityManagerFactory)"
                        + " on a unit of your own instead");
    }

    private static JdbcDataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:unit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        return h2;
    }
}
