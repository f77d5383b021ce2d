package dev.apiary.jpa;

import dev.apiary.StorageException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

import javax.sql.DataSource;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Finds out which {@link SqlDialect} a storage's database speaks when the builder does not say: from a data source's
 * connection, else from the provider's connection, the unit's data source or the database's own answer, else the
 * portable SQL, saying why.
 */
final class DialectDetection {

    /** Under the dialect's name, where operators look for why the portable SQL is used. */
    private static final Logger LOG = Logger.getLogger(SqlDialect.class.getName());

    private DialectDetection() {
    }

    /** The database from the provider's connection, else from the database's own answer, else portable SQL. */
    static SqlDialect detect(StorageTransactions transactions, EntityManagerFactory emf) {
        List<String> reasons = new ArrayList<>();
        SqlDialect found = transactions.run("detect the database", em -> fromProvider(em, reasons));
        if (found == null) {
            found = fromUnitDataSource(emf, reasons);
        }
        if (found == null) {
            try {
                found = transactions.run("ask the database for its version",
                        em -> fromVersionQuery(em, reasons));
            } catch (StorageException e) {
                reasons.add(e.getMessage());
            }
        }
        return found != null ? found : fallback(reasons);
    }

    static SqlDialect detect(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return SqlDialect.ofProductName(c.getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new StorageException("Cannot read the database product from the job storage's "
                    + "DataSource: " + e.getMessage(), e);
        }
    }

    /**
     * Asks the provider for the JDBC connection behind {@code em} (open in a transaction). JPA has no portable way,
     * so this tries {@code unwrap(Connection.class)} (EclipseLink, and others that support it) and, when the provider
     * is Hibernate, its {@code Session.doReturningWork}, reflectively so that neither provider is needed at compile
     * time. Returns {@code null} when neither answers, with the reasons added to {@code reasons}.
     */
    static SqlDialect fromProvider(EntityManager em, List<String> reasons) {
        try {
            Connection c = em.unwrap(Connection.class);
            if (c != null) {
                return SqlDialect.ofProductName(c.getMetaData().getDatabaseProductName());
            }
            reasons.add("unwrap(Connection.class) gave no connection");
        } catch (RuntimeException | SQLException e) {
            reasons.add("unwrap(Connection.class) failed: " + e);
        }
        Object delegate = em.getDelegate();
        if (delegate == null || !delegate.getClass().getName().startsWith("org.hibernate.")) {
            reasons.add("the provider (" + (delegate == null ? "unknown" : delegate.getClass().getName())
                    + ") is not Hibernate");
            return null;
        }
        try {
            ClassLoader loader = delegate.getClass().getClassLoader();
            Class<?> session = Class.forName("org.hibernate.Session", false, loader);
            Class<?> work = Class.forName("org.hibernate.jdbc.ReturningWork", false, loader);
            Object returningWork = Proxy.newProxyInstance(loader, new Class<?>[] {work}, (proxy, method, args) -> {
                if (method.getName().equals("execute")) {
                    return ((Connection) args[0]).getMetaData().getDatabaseProductName();
                }
                throw new UnsupportedOperationException(method.getName());
            });
            Object name = session.getMethod("doReturningWork", work).invoke(em.unwrap(session), returningWork);
            return SqlDialect.ofProductName((String) name);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            reasons.add("Hibernate's Session.doReturningWork failed: " + e);
            return null;
        }
    }

    /**
     * The data source the persistence unit was given, when the provider lists it among the factory's properties (a
     * container's JTA or non-JTA data source, or one handed over as {@code jakarta.persistence.nonJtaDataSource}).
     */
    static SqlDialect fromUnitDataSource(EntityManagerFactory emf, List<String> reasons) {
        for (String key : new String[] {"jakarta.persistence.jtaDataSource", "jakarta.persistence.nonJtaDataSource",
                "javax.persistence.jtaDataSource", "javax.persistence.nonJtaDataSource"}) {
            Object value;
            try {
                value = emf.getProperties().get(key);
            } catch (RuntimeException e) {
                reasons.add("the factory's properties cannot be read: " + e);
                return null;
            }
            if (value instanceof DataSource dataSource) {
                try {
                    return detect(dataSource);
                } catch (RuntimeException e) {
                    reasons.add(key + " gave no connection: " + e);
                    return null;
                }
            }
        }
        reasons.add("the factory's properties hold no DataSource");
        return null;
    }

    /**
     * Asks the database itself, for providers that give no connection: PostgreSQL's {@code version()} starts with
     * "PostgreSQL". Runs in a transaction of its own, since a failed statement spoils it. {@code null} otherwise.
     */
    static SqlDialect fromVersionQuery(EntityManager em, List<String> reasons) {
        try {
            Object version = em.createNativeQuery("SELECT version()").getSingleResult();
            if (String.valueOf(version).startsWith("PostgreSQL")) {
                return SqlDialect.POSTGRESQL;
            }
            reasons.add("SELECT version() gave '" + version + "'");
        } catch (RuntimeException e) {
            reasons.add("SELECT version() failed: " + e);
        }
        return null;
    }

    /** Logs once why the portable SQL is used: every way of telling the database that was tried, and its answer. */
    static SqlDialect fallback(List<String> reasons) {
        LOG.info(() -> "Cannot tell the job storage's database (" + String.join("; ", reasons) + "); using portable"
                + " SQL. Set JpaJobStorage.Builder.dialect(..) to use PostgreSQL's or H2's statements.");
        return SqlDialect.STANDARD;
    }
}
