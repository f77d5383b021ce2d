package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import dev.apiary.spi.DefaultStorageFactory;
import dev.apiary.spi.JobStorage;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceUnit;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The JPA storage of a worker's queue when the application produces none: JTA, on Apiary's own persistence unit
 * {@value #UNIT} (shipped in this jar's {@code META-INF/persistence.xml}), which uses the server's default data
 * source {@value #DATA_SOURCE}. When {@value #DATA_SOURCE_KEY} (or {@code apiary.queues.<queue>.data-source}) names
 * another data source, the storage uses the same unit built on that one instead (one per data source). On PostgreSQL
 * it listens for pushes of other nodes on its data source.
 *
 * <p>Keys: {@value #DATA_SOURCE_KEY}, {@value #CREATE_SCHEMA} ({@code false}: create the tables from the shipped script at start-up, skipping
 * what exists), {@value #NOTIFICATIONS} ({@code true}), {@code apiary.queues.<queue>.max-payload-length}
 * ({@value JpaJobStorage#DEFAULT_MAX_PAYLOAD_LENGTH}), {@code apiary.queues.<queue>.max-result-length}
 * ({@value JpaJobStorage#DEFAULT_MAX_RESULT_LENGTH}), {@code apiary.storage.worker-retention} ({@code 1h}, read by the
 * builder), {@value #STATEMENT_TIMEOUT} ({@code 10s}) and {@value #LOCK_TIMEOUT} ({@code 5s}).
 *
 * <p>The runtime adds this class as an application-scoped bean (it carries no bean-defining annotation, so that
 * scanning the jar does not find it a second time).
 */
public class DefaultJpaStorageFactory implements DefaultStorageFactory {

    /** The persistence unit this jar ships. */
    public static final String UNIT = "apiary";
    /** The data source of that unit: the platform's default. */
    public static final String DATA_SOURCE = "java:comp/DefaultDataSource";
    /** Key naming (by JNDI name) the data source of every default storage; unset: {@value #DATA_SOURCE}. */
    public static final String DATA_SOURCE_KEY = "apiary.storage.data-source";
    static final String CREATE_SCHEMA = "apiary.storage.create-schema";
    static final String NOTIFICATIONS = "apiary.storage.notifications";
    static final String STATEMENT_TIMEOUT = "apiary.storage.statement-timeout";
    static final String LOCK_TIMEOUT = "apiary.storage.lock-timeout";
    private static final Logger LOG = Logger.getLogger(DefaultJpaStorageFactory.class.getName());

    @PersistenceUnit(unitName = UNIT)
    EntityManagerFactory injected;

    private final Set<String> schemaReady = new HashSet<>();
    /** The units built on configured data sources, by JNDI name, with the storages that use each. */
    private final Map<String, OwnUnit> units = new HashMap<>();

    private record OwnUnit(EntityManagerFactory emf, Set<JobStorage<?>> storages) {
    }

    /** A data source named by configuration: its JNDI name and the key that named it. */
    private record Named(String jndiName, String key) {
    }

    @Override
    public <T> JobStorage<T> create(String queue, Class<T> payloadType, Function<String, Optional<String>> config) {
        Optional<Duration> statementTimeout = ConfigValues.duration(config, STATEMENT_TIMEOUT);
        Optional<Duration> lockTimeout = ConfigValues.duration(config, LOCK_TIMEOUT);
        Optional<Named> named = named("apiary.queues." + queue + ".data-source", config)
                .or(() -> named(DATA_SOURCE_KEY, config));
        String dataSourceName = named.map(Named::jndiName).orElse(DATA_SOURCE);
        EntityManagerFactory emf;
        DataSource dataSource;
        if (named.isPresent()) {
            dataSource = ServerLookups.dataSource(queue, dataSourceName, named.get().key());
            emf = ownUnit(named.get(), dataSource);
        } else {
            emf = ServerLookups.persistenceUnit(injected, queue, payloadType);
            dataSource = ServerLookups.dataSource(queue, DATA_SOURCE, null);
        }
        prepareSchema(dataSourceName, dataSource, ConfigValues.flag(config, CREATE_SCHEMA, false));
        JpaJobStorage.Builder<T> builder = JpaJobStorage.builder(emf).queue(queue, payloadType).jta();
        String lengthKey = "apiary.queues." + queue + ".max-payload-length";
        config.apply(lengthKey).ifPresent(value -> builder.maxPayloadLength(characters(lengthKey, value)));
        String resultKey = "apiary.queues." + queue + ".max-result-length";
        config.apply(resultKey).ifPresent(value -> builder.maxResultLength(characters(resultKey, value)));
        statementTimeout.ifPresent(builder::statementTimeout);
        lockTimeout.ifPresent(builder::lockTimeout);
        if (ConfigValues.flag(config, NOTIFICATIONS, true)) {
            builder.notifications(dataSource);
            ServerLookups.managedThreadFactory().ifPresent(builder::threadFactory);
        } else {
            builder.dialect(DialectDetection.detect(dataSource));
        }
        JobStorage<T> storage = builder.build();
        named.ifPresent(n -> {
            synchronized (this) {
                units.get(n.jndiName()).storages().add(storage);
            }
            LOG.info(() -> "Job storage of queue '" + queue + "' uses Apiary's persistence unit on the data source "
                    + n.jndiName() + " (" + n.key() + ")");
        });
        return storage;
    }

    private static int characters(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException("Invalid value '" + value + "' for " + key
                    + ": expected a whole number of characters", e);
        }
    }

    private static Optional<Named> named(String key, Function<String, Optional<String>> config) {
        return config.apply(key).map(String::trim).filter(name -> !name.isEmpty()).map(name -> new Named(name, key));
    }

    /** Closes the storage, and the unit it was built on once no storage uses that unit. */
    @Override
    public void destroy(JobStorage<?> storage) {
        try {
            DefaultStorageFactory.super.destroy(storage);
        } finally {
            synchronized (this) {
                for (var units = this.units.values().iterator(); units.hasNext(); ) {
                    OwnUnit unit = units.next();
                    if (unit.storages().remove(storage)) {
                        if (unit.storages().isEmpty()) {
                            units.remove();
                            unit.emf().close();
                        }
                        return;
                    }
                }
            }
        }
    }

    private synchronized EntityManagerFactory ownUnit(Named named, DataSource dataSource) {
        return units.computeIfAbsent(named.jndiName(), name -> new OwnUnit(
                DataSourceUnit.create(name, dataSource, named.key()), new HashSet<>())).emf();
    }

    private synchronized void prepareSchema(String name, DataSource dataSource, boolean create) {
        if (schemaReady.contains(name)) {
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            if (create) {
                JobSchema.create(connection);
            } else {
                JobSchema.requireTables(connection);
            }
        } catch (SQLException e) {
            throw new ConfigurationException("Apiary's default storage cannot " + (create ? "create" : "check")
                    + " its tables on " + name + ": " + e.getMessage(), e);
        }
        schemaReady.add(name);
    }
}
