package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import dev.apiary.StorageException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * JTA transactions for a container-managed (JTA) persistence unit. When the calling thread has an active
 * transaction, the operation's application-managed EntityManager joins it, so a push commits or rolls back with the
 * caller's work. Otherwise the storage begins and commits a transaction of its own through {@link UserTransaction}.
 * Both are looked up lazily under their standard JNDI names unless given.
 */
final class JtaTransactions extends Transactions {

    private static final Logger LOG = Logger.getLogger(JtaTransactions.class.getName());
    static final String REGISTRY_JNDI = "java:comp/TransactionSynchronizationRegistry";
    static final String USER_TRANSACTION_JNDI = "java:comp/UserTransaction";

    private volatile TransactionSynchronizationRegistry registry;
    private volatile UserTransaction userTransaction;

    JtaTransactions(EntityManagerFactory emf, TransactionSynchronizationRegistry registry,
                    UserTransaction userTransaction) {
        super(emf);
        this.registry = registry;
        this.userTransaction = userTransaction;
    }

    @Override
    <R> R inTransaction(Function<EntityManager, R> work) {
        if (callerTransactionActive()) {
            return inCallerTransaction(work);
        }
        UserTransaction ut = userTransaction();
        boolean committed = false;
        try {
            ut.begin();
            EntityManager em = newEntityManager();
            try {
                em.joinTransaction();
                R result = work.apply(em);
                ut.commit();
                committed = true;
                return result;
            } finally {
                em.close();
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new StorageException("JTA transaction of the job storage failed: " + e, e);
        } finally {
            if (!committed) {
                rollbackQuietly(ut);
            }
        }
    }

    @Override
    <R> R enqueue(BiFunction<EntityManager, Boolean, R> work, Runnable afterCommit) {
        if (!callerTransactionActive()) {
            R result = inTransaction(em -> work.apply(em, true));
            afterCommit.run();
            return result;
        }
        TransactionSynchronizationRegistry tsr = registry();
        boolean first = tsr.getResource(afterCommit) == null;
        R result = inCallerTransaction(em -> work.apply(em, first));
        if (!first) {
            return result;  // many pushes in one transaction wake the workers once
        }
        tsr.putResource(afterCommit, Boolean.TRUE);
        tsr.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    afterCommit.run();
                }
            }
        });
        return result;
    }

    private <R> R inCallerTransaction(Function<EntityManager, R> work) {
        EntityManager em = newEntityManager();
        try {
            em.joinTransaction();
            R result = work.apply(em);
            // write now, so that constraint violations surface here and not at the caller's commit
            em.flush();
            return result;
        } finally {
            // JPA keeps a joined persistence context managed until the transaction completes
            em.close();
        }
    }

    @Override
    boolean joinsCaller() {
        return callerTransactionActive();
    }

    private boolean callerTransactionActive() {
        return registry().getTransactionStatus() == Status.STATUS_ACTIVE;
    }

    private void rollbackQuietly(UserTransaction ut) {
        try {
            if (ut.getStatus() != Status.STATUS_NO_TRANSACTION) {
                ut.rollback();
            }
        } catch (Exception e) {
            // the original failure is what the caller needs to see; this one only says the rollback failed too
            LOG.log(Level.WARNING, "Rollback of a job storage transaction failed", e);
        }
    }

    private TransactionSynchronizationRegistry registry() {
        TransactionSynchronizationRegistry found = registry;
        if (found == null) {
            found = lookup(REGISTRY_JNDI, TransactionSynchronizationRegistry.class);
            registry = found;
        }
        return found;
    }

    private UserTransaction userTransaction() {
        UserTransaction found = userTransaction;
        if (found == null) {
            found = lookup(USER_TRANSACTION_JNDI, UserTransaction.class);
            userTransaction = found;
        }
        return found;
    }

    private static <T> T lookup(String name, Class<T> type) {
        try {
            return type.cast(new InitialContext().lookup(name));
        } catch (NamingException | ClassCastException e) {
            throw new ConfigurationException("JTA job storage needs " + type.getSimpleName() + " at JNDI name '"
                    + name + "', which this thread cannot look up (" + e + "); run it on a container-managed thread "
                    + "or pass the object to JpaJobStorage.Builder.jta(registry, userTransaction)", e);
        }
    }
}
