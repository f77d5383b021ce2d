package dev.apiary.jpa;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Resource-local transactions: every operation opens its own {@link EntityManager} and transaction; an enqueue
 * joins the one bound with {@link JpaJobStorage#joining(EntityManager)} on this thread, if any.
 */
final class ResourceLocalTransactions extends Transactions {

    ResourceLocalTransactions(EntityManagerFactory emf) {
        super(emf);
    }

    @Override
    <R> R inTransaction(Function<EntityManager, R> work) {
        EntityManager em = newEntityManager();
        EntityTransaction tx = em.getTransaction();
        try {
            tx.begin();
            R result = work.apply(em);
            tx.commit();
            return result;
        } finally {
            if (tx.isActive()) {
                tx.rollback();
            }
            em.close();
        }
    }

    @Override
    <R> R enqueue(BiFunction<EntityManager, Boolean, R> work, Runnable afterCommit) {
        EntityManager caller = CallerEntityManager.current(emf);
        if (caller == null) {
            R result = inTransaction(em -> work.apply(em, true));
            afterCommit.run();
            return result;
        }
        // The caller commits later and resource-local transactions offer no commit callback: wake workers when the
        // caller's scope closes (CallerEntityManager), which is after its commit in the documented usage.
        R result = work.apply(caller, !CallerEntityManager.hasAfterScope(afterCommit));
        CallerEntityManager.afterScope(afterCommit);
        return result;
    }

    @Override
    boolean joinsCaller() {
        return CallerEntityManager.current(emf) != null;
    }
}
