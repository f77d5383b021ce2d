package dev.apiary.jpa;

import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.ats.jdbc.TransactionalDriver;
import dev.apiary.impl.storage.ContractPayload;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import org.h2.jdbcx.JdbcDataSource;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A real JTA setup outside a container: Narayana's transaction manager, H2 through its XA data source enlisted by
 * Narayana's transactional JDBC driver, and a JTA persistence unit on Hibernate. One per JVM. (PostgreSQL's XA
 * data source fails to enlist through that driver, so H2 it is.)
 */
final class JtaStorage {

    static final UserTransaction USER_TRANSACTION;
    static final TransactionSynchronizationRegistry REGISTRY;
    static final EntityManagerFactory EMF;

    static {
        // keep Narayana's transaction log under target/, not in the working directory
        System.setProperty("ObjectStoreEnvironmentBean.objectStoreDir", "target/narayana");
        System.setProperty("com.arjuna.ats.arjuna.objectstore.objectStoreDir", "target/narayana");
        USER_TRANSACTION = com.arjuna.ats.jta.UserTransaction.userTransaction();
        REGISTRY = new TransactionSynchronizationRegistryImple();
        JdbcDataSource xa = new JdbcDataSource();
        xa.setURL(TestDatabases.url(TestDatabases.Db.H2));
        xa.setUser("sa");
        EMF = Persistence.createEntityManagerFactory("apiary-hibernate-jta",
                Map.of("jakarta.persistence.jtaDataSource", new EnlistingDataSource(xa)));
    }

    private JtaStorage() {
    }

    static JpaJobStorage<ContractPayload> forQueue(String queue) {
        return JpaJobStorage.builder(EMF).queue(queue, ContractPayload.class).jta(REGISTRY, USER_TRANSACTION)
                .build();
    }

    /** Connections that Narayana enlists in the thread's transaction, as an application server's pool would. */
    private static final class EnlistingDataSource implements DataSource {

        private final TransactionalDriver driver = new TransactionalDriver();
        private final JdbcDataSource xa;

        EnlistingDataSource(JdbcDataSource xa) {
            this.xa = xa;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Properties properties = new Properties();
            properties.put(TransactionalDriver.XADataSource, xa);
            properties.put(TransactionalDriver.userName, "sa");
            properties.put(TransactionalDriver.password, "");
            return driver.connect(TransactionalDriver.arjunaDriver, properties);
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
