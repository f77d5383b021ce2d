package dev.apiary.jpa;

/**
 * A scope opened by {@link JpaJobStorage#joining(jakarta.persistence.EntityManager)}: while it is open, pushes on
 * this thread write through the caller's entity manager and commit or roll back with the caller's transaction.
 * Closing it (after the commit or rollback) wakes idle workers.
 */
public interface JoinedTransaction extends AutoCloseable {

    @Override
    void close();
}
