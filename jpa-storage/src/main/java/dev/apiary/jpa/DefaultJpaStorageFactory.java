package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import dev.apiary.spi.DefaultStorageFactory;
import dev.apiary.spi.JobStorage;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceUnit;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The JPA storage of a worker's queue when the application produces none: JTA, on Apiary's own persistence unit
 * {@value #UNIT} (shipped in this jar's {@code META-INF/persistence.xml}), which uses the server's default data
 * source {@value #DATA_SOURCE}. On PostgreSQL it listens for pushes of other nodes on that data source.
 *
 * <p>Keys: {@value #CREATE_SCHEMA} ({@code false}: create the tables from the shipped script at start-up, skipping
 * what exists), {@value #NOTIFICATIONS} ({@code true}), {@code apiary.queues.<queue>.max-payload-length}
 * ({@value JpaJobStorage#DEFAULT_MAX_PAYLOAD_LENGTH}), {@code apiary.storage.worker-retention} ({@code 1h}, read by the
 * builder).
 *
 * <p>The runtime adds this class as an application-scoped bean (it carries no bean-defining annotation, so that
 * scanning the jar does not find it a second time).
 */
public class DefaultJpaStorageFactory implements DefaultStorageFactory {

    /** The persistence unit this jar ships. */
    public static final String UNIT = "apiary";
    /** The data source of that unit: the platform's default. */
    public static final String DATA_SOURCE = "java:comp/DefaultDataSource";
    static final String CREATE_SCHEMA = "apiary.storage.create-schema";
    static final String NOTIFICATIONS = "apiary.storage.notifications";
    private static final String THREAD_FACTORY = "java:comp/DefaultManagedThreadFactory";
    private static final Logger LOG = Logger.getLogger(DefaultJpaStorageFactory.class.getName());

    private static final String UNIT_REFERENCE = "java:comp/env/apiary/persistence-unit";

    @PersistenceUnit(unitName = UNIT)
    EntityManagerFactory injected;

    private boolean schemaReady;

    @Override
    public <T> JobStorage<T> create(String queue, Class<T> payloadType, Function<String, Optional<String>> config) {
        EntityManagerFactory emf = persistenceUnit(queue, payloadType);
        DataSource dataSource = lookupDataSource(queue);
        prepareSchema(dataSource, flag(config, CREATE_SCHEMA, false));
        JpaJobStorage.Builder<T> builder = JpaJobStorage.builder(emf).queue(queue, payloadType).jta();
        String lengthKey = "apiary.queues." + queue + ".max-payload-length";
        config.apply(lengthKey).ifPresent(value -> {
            try {
                builder.maxPayloadLength(Integer.parseInt(value.trim()));
            } catch (NumberFormatException e) {
                throw new ConfigurationException("Invalid value '" + value + "' for " + lengthKey
                        + ": expected a whole number of characters", e);
            }
        });
        if (flag(config, NOTIFICATIONS, true)) {
            builder.notifications(dataSource);
            managedThreadFactory().ifPresent(builder::threadFactory);
        } else {
            builder.dialect(SqlDialect.detect(dataSource));
        }
        return builder.build();
    }

    /**
     * The injected unit, else the reference this jar's {@code web-fragment.xml} binds: Open Liberty does not inject
     * {@code @PersistenceUnit} into a bean that a CDI extension added.
     */
    private EntityManagerFactory persistenceUnit(String queue, Class<?> payloadType) {
        if (injected != null) {
            return injected;
        }
        try {
            return (EntityManagerFactory) new InitialContext().lookup(UNIT_REFERENCE);
        } catch (NamingException | RuntimeException e) {
            throw new ConfigurationException("Apiary's default storage for queue '" + queue + "' needs the"
                    + " container-managed persistence unit '" + UNIT + "', but it was not injected and " + UNIT_REFERENCE
                    + " is not bound (" + e + "). Outside a Jakarta EE container there is none, and a web.xml with"
                    + " metadata-complete=\"true\" hides the binding of apiary-jpa-storage's web-fragment.xml: produce"
                    + " a JobStorage<" + payloadType.getSimpleName() + "> bean with"
                    + " JpaJobStorage.builder(entityManagerFactory) instead", e);
        }
    }

    private static DataSource lookupDataSource(String queue) {
        Object found;
        try {
            found = new InitialContext().lookup(DATA_SOURCE);
        } catch (NamingException | RuntimeException e) {
            throw new ConfigurationException("Apiary's default storage for queue '" + queue + "' uses the server's"
                    + " default data source, but the lookup of " + DATA_SOURCE + " failed (" + e + "). Open Liberty"
                    + " has none until server.xml defines <dataSource id=\"DefaultDataSource\" ...> (see the README);"
                    + " on other servers bind the default data source, or produce a JobStorage bean with"
                    + " JpaJobStorage.builder(..)", e);
        }
        if (!(found instanceof DataSource dataSource)) {
            throw new ConfigurationException(DATA_SOURCE + " is not a javax.sql.DataSource but " + found);
        }
        return dataSource;
    }

    private synchronized void prepareSchema(DataSource dataSource, boolean create) {
        if (schemaReady) {
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
                    + " its tables on " + DATA_SOURCE + ": " + e.getMessage(), e);
        }
        schemaReady = true;
    }

    private static Optional<ThreadFactory> managedThreadFactory() {
        try {
            return Optional.of((ThreadFactory) new InitialContext().lookup(THREAD_FACTORY));
        } catch (NamingException | RuntimeException e) {
            LOG.fine(() -> THREAD_FACTORY + " not found (" + e + "); the LISTEN thread is a plain one");
            return Optional.empty();
        }
    }

    private static boolean flag(Function<String, Optional<String>> config, String key, boolean fallback) {
        Optional<String> value = config.apply(key);
        if (value.isEmpty()) {
            return fallback;
        }
        String v = value.get().trim().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigurationException("Invalid value '" + value.get() + "' for " + key
                    + ": expected true or false");
        }
        return Boolean.parseBoolean(v);
    }
}
