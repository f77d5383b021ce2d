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
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JPA storage of a worker's queue when the application produces none: JTA, on Apiary's own persistence unit
 * {@value #UNIT} (shipped in this jar's {@code META-INF/persistence.xml}), which uses the server's default data
 * source {@value #DATA_SOURCE}. When {@value #DATA_SOURCE_KEY} (or {@code apiary.queues.<queue>.data-source}) names
 * another data source, the storage uses the same unit built on that one instead (one per data source). On PostgreSQL
 * it listens for pushes of other nodes on its data source.
 *
 * <p>Keys: {@value #DATA_SOURCE_KEY}, {@value #CREATE_SCHEMA} ({@code false}: create the tables from the shipped script at start-up, skipping
 * what exists), {@value #NOTIFICATIONS} ({@code true}), {@code apiary.queues.<queue>.max-payload-length}
 * ({@value JpaJobStorage#DEFAULT_MAX_PAYLOAD_LENGTH}), {@code apiary.storage.worker-retention} ({@code 1h}, read by the
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
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final String THREAD_FACTORY = "java:comp/DefaultManagedThreadFactory";
    private static final Logger LOG = Logger.getLogger(DefaultJpaStorageFactory.class.getName());

    private static final String UNIT_REFERENCE = "java:comp/env/apiary/persistence-unit";

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
        Optional<Duration> statementTimeout = duration(config, STATEMENT_TIMEOUT);
        Optional<Duration> lockTimeout = duration(config, LOCK_TIMEOUT);
        Optional<Named> named = named("apiary.queues." + queue + ".data-source", config)
                .or(() -> named(DATA_SOURCE_KEY, config));
        String dataSourceName = named.map(Named::jndiName).orElse(DATA_SOURCE);
        EntityManagerFactory emf;
        DataSource dataSource;
        if (named.isPresent()) {
            dataSource = lookupDataSource(queue, dataSourceName, named.get().key());
            emf = ownUnit(named.get(), dataSource);
        } else {
            emf = persistenceUnit(queue, payloadType);
            dataSource = lookupDataSource(queue, DATA_SOURCE, null);
        }
        prepareSchema(dataSourceName, dataSource, flag(config, CREATE_SCHEMA, false));
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
        statementTimeout.ifPresent(builder::statementTimeout);
        lockTimeout.ifPresent(builder::lockTimeout);
        if (flag(config, NOTIFICATIONS, true)) {
            builder.notifications(dataSource);
            managedThreadFactory().ifPresent(builder::threadFactory);
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

    /** The data source {@code name}; {@code key} is the key that named it, null for the platform default. */
    private static DataSource lookupDataSource(String queue, String name, String key) {
        Object found;
        try {
            found = new InitialContext().lookup(name);
        } catch (NamingException | RuntimeException e) {
            if (key != null) {
                throw new ConfigurationException("Apiary's default storage for queue '" + queue + "' uses the data"
                        + " source " + name + " named by " + key + ", but its lookup failed (" + e + "). Give the JNDI"
                        + " name the server binds it under (java:app/..., java:jboss/datasources/..., jdbc/...), or"
                        + " remove the key to use the default data source " + DATA_SOURCE, e);
            }
            throw new ConfigurationException("Apiary's default storage for queue '" + queue + "' uses the server's"
                    + " default data source, but the lookup of " + DATA_SOURCE + " failed (" + e + "). Open Liberty"
                    + " has none until server.xml defines <dataSource id=\"DefaultDataSource\" ...> (see the README);"
                    + " name another data source with " + DATA_SOURCE_KEY + ", or produce a JobStorage bean with"
                    + " JpaJobStorage.builder(..)", e);
        }
        if (!(found instanceof DataSource dataSource)) {
            throw new ConfigurationException(name + (key == null ? "" : " (" + key + ")")
                    + " is not a javax.sql.DataSource but " + found);
        }
        return dataSource;
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

    private static Optional<ThreadFactory> managedThreadFactory() {
        try {
            return Optional.of((ThreadFactory) new InitialContext().lookup(THREAD_FACTORY));
        } catch (NamingException | RuntimeException e) {
            LOG.fine(() -> THREAD_FACTORY + " not found (" + e + "); the LISTEN thread is a plain one");
            return Optional.empty();
        }
    }

    /** A duration as the other {@code apiary.*} keys take it: {@code 500ms}, {@code 10s}, {@code 1m}, or ISO-8601. */
    private static Optional<Duration> duration(Function<String, Optional<String>> config, String key) {
        Optional<String> value = config.apply(key).map(String::trim).filter(v -> !v.isEmpty());
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String v = value.get().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(v);
        try {
            if (v.equals("0")) {
                return Optional.of(Duration.ZERO);
            } else if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return Optional.of(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
            } else if (v.startsWith("p")) {
                Duration d = Duration.parse(v.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return Optional.of(d);
                }
            }
        } catch (ArithmeticException | DateTimeParseException e) {
            // the message below says what is accepted
        }
        throw new ConfigurationException("Invalid value '" + value.get() + "' for " + key + ": expected a duration"
                + " such as 500ms, 10s, 1m or PT10S, or 0 for no limit");
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
