package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import jakarta.persistence.EntityManagerFactory;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Logger;

import static dev.apiary.jpa.DefaultJpaStorageFactory.DATA_SOURCE;
import static dev.apiary.jpa.DefaultJpaStorageFactory.DATA_SOURCE_KEY;
import static dev.apiary.jpa.DefaultJpaStorageFactory.UNIT;

/**
 * What the default storage looks up in the server's JNDI: Apiary's persistence unit, data sources and the managed
 * thread factory, with a message that says what to do when one is missing.
 */
final class ServerLookups {

    private static final String UNIT_REFERENCE = "java:comp/env/apiary/persistence-unit";
    private static final String THREAD_FACTORY = "java:comp/DefaultManagedThreadFactory";
    /** The default storage's logger: operators configure one name for it. */
    private static final Logger LOG = Logger.getLogger(DefaultJpaStorageFactory.class.getName());

    private ServerLookups() {
    }

    /**
     * The injected unit, else the reference this jar's {@code web-fragment.xml} binds: Open Liberty does not inject
     * {@code @PersistenceUnit} into a bean that a CDI extension added.
     */
    static EntityManagerFactory persistenceUnit(EntityManagerFactory injected, String queue,
                                                Class<?> payloadType) {
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
    static DataSource dataSource(String queue, String name, String key) {
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

    static Optional<ThreadFactory> managedThreadFactory() {
        try {
            return Optional.of((ThreadFactory) new InitialContext().lookup(THREAD_FACTORY));
        } catch (NamingException | RuntimeException e) {
            LOG.fine(() -> THREAD_FACTORY + " not found (" + e + "); the LISTEN thread is a plain one");
            return Optional.empty();
        }
    }
}
