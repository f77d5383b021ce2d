package dev.apiary.jpa;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * How the storage gets an {@link EntityManager} and a transaction for one operation: resource-local (Java SE, the
 * storage begins and commits) or JTA (in a container, joining the caller's transaction when one is active).
 */
abstract class Transactions {

    /**
     * EclipseLink runs reads on a separate connection until a transaction has written something; a claim's
     * {@code UPDATE ... RETURNING} is a native "read" and would escape the transaction. Joining makes every statement
     * use the transaction's connection. Other providers ignore the property, as JPA requires.
     */
    private static final Map<String, Object> PROPERTIES = Map.of("eclipselink.transaction.join-existing", "true");

    final EntityManagerFactory emf;

    Transactions(EntityManagerFactory emf) {
        this.emf = emf;
    }

    EntityManager newEntityManager() {
        return emf.createEntityManager(PROPERTIES);
    }

    /** Runs {@code work} in a transaction the storage commits itself (JTA: or in the caller's, if one is active). */
    abstract <R> R inTransaction(Function<EntityManager, R> work);

    /**
     * Runs an enqueue: in the caller's transaction when there is one, else in its own. {@code afterCommit} runs
     * once the enqueued rows are visible to other transactions (or as soon as possible when that cannot be known),
     * once per transaction however many enqueues it holds. {@code work} is told whether this is the transaction's
     * first enqueue with this {@code afterCommit}, so that it notifies other nodes once per transaction.
     */
    abstract <R> R enqueue(BiFunction<EntityManager, Boolean, R> work, Runnable afterCommit);

    /** Whether an enqueue now would join the caller's transaction rather than run in its own. */
    abstract boolean joinsCaller();
}
