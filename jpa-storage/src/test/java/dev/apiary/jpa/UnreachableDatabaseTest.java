package dev.apiary.jpa;

import dev.apiary.StorageException;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A database that cannot be reached: the storage says so with the driver's or pool's own error, whatever SQL state
 * that carries. A server's pool reports a refused connection as an {@link SQLException} without a state (WildFly's
 * {@code IJ000453}), which the missing-table hint once turned into a NullPointerException.
 */
class UnreachableDatabaseTest {

    @ParameterizedTest
    @EnumSource(TestDatabases.Provider.class)
    void aRefusedConnectionWithoutSqlStateIsAStorageExceptionNamingTheQueueAndTheCause(
            TestDatabases.Provider provider) throws Exception {
        // given a storage on H2 through a pool that refuses connections while the database is "down"
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:unreachable-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        try (Connection c = h2.getConnection()) {
            JobSchema.create(c);
        }
        AtomicBoolean down = new AtomicBoolean();
        DataSource pool = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (down.get() && method.getName().equals("getConnection")) {
                        throw new SQLException("Unable to get managed connection for java:app/jdbc/example");
                    }
                    try {
                        return method.invoke(h2, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        EntityManagerFactory emf = Persistence.createEntityManagerFactory(provider.unit,
                Map.of("jakarta.persistence.nonJtaDataSource", pool));
        try {
            JpaJobStorage<String> storage = JpaJobStorage.builder(emf).queue("greetings", String.class).build();
            storage.push("ada");

            // when the database goes away
            down.set(true);

            // then a claim fails with a StorageException that names the queue and carries the pool's error
            assertThatThrownBy(() -> storage.claim("worker-1", 10)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("queue 'greetings'")
                    .hasRootCauseMessage("Unable to get managed connection for java:app/jdbc/example");
            assertThat(storage.isAvailable()).isFalse();

            // and it answers again once the database is back
            down.set(false);
            assertThat(storage.isAvailable()).isTrue();
            assertThat(storage.claim("worker-1", 10)).hasSize(1);
        } finally {
            emf.close();
        }
    }
}
