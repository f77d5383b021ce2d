package dev.apiary.jpa;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;

import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * How the job storage of one queue runs an operation: in which transaction ({@link Transactions}), within which
 * statement and lock timeouts, retried when, and failing with which exception ({@link DatabaseFailures}).
 */
final class StorageTransactions {

    /** The storage's logger: operators configure one name for the whole storage. */
    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());

    private final String queue;
    private final Transactions tx;
    private final DatabaseFailures failures;
    /** Sets the timeouts on a transaction; {@code null} while the database is not known yet. */
    private final JobTable table;
    private final Duration statementTimeout;
    private final Duration lockTimeout;

    /** Without time limits: what is needed to find out which database it is. */
    StorageTransactions(String queue, Transactions tx) {
        this(queue, tx, null, Duration.ZERO, Duration.ZERO);
    }

    private StorageTransactions(String queue, Transactions tx, JobTable table, Duration statementTimeout,
                                Duration lockTimeout) {
        this.queue = queue;
        this.tx = tx;
        this.failures = new DatabaseFailures(queue);
        this.table = table;
        this.statementTimeout = statementTimeout;
        this.lockTimeout = lockTimeout;
    }

    /** The same transactions, whose {@link #bounded} operations set the timeouts with {@code table}'s SQL. */
    StorageTransactions bounding(JobTable table, Duration statementTimeout, Duration lockTimeout) {
        return new StorageTransactions(queue, tx, table, statementTimeout, lockTimeout);
    }

    /** Whether an enqueue now would join the caller's transaction rather than run in its own. */
    boolean joinsCaller() {
        return tx.joinsCaller();
    }

    /**
     * {@code work} with the statement and lock timeouts: the worker loop's own operations (claims, settles,
     * heartbeats, releases, orphan sweeps, progress, the readiness check), so that a database that hangs fails them
     * within the timeout instead of holding the worker's threads. Not in a caller's transaction, whose statements
     * are the caller's to bound.
     */
    <R> Function<EntityManager, R> bounded(Function<EntityManager, R> work) {
        if (statementTimeout.isZero() && lockTimeout.isZero()) {
            return work;
        }
        return em -> {
            if (!tx.joinsCaller()) {
                table.limitTime(em, statementTimeout, lockTimeout);
            }
            return work.apply(em);
        };
    }

    <R> R run(String what, Function<EntityManager, R> work) {
        try {
            return tx.inTransaction(work);
        } catch (PersistenceException e) {
            throw failures.failure(what, e);
        }
    }

    /**
     * Runs {@code work} again in a fresh transaction when the database chose it as a deadlock or serialization
     * victim: claimers and settlers racing for the same rows may meet that way on databases without
     * {@code SKIP LOCKED}, and the retry is safe because the failed transaction was rolled back. In a caller's
     * transaction there is nothing to retry with, so the failure goes to the caller.
     */
    <R> R runRetrying(String what, Function<EntityManager, R> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return tx.inTransaction(work);
            } catch (PersistenceException e) {
                if (attempt == 3 || !DatabaseFailures.isTransient(e) || tx.joinsCaller()) {
                    throw failures.failure(what, e);
                }
                LOG.fine(() -> "Retrying to " + what + " in queue '" + queue + "' after " + e);
            }
        }
    }

    /**
     * An enqueue (see {@link Transactions#enqueue}): {@code work} gets the entity manager and whether to notify
     * other nodes (once per transaction).
     */
    <R> R enqueue(String what, BiFunction<EntityManager, Boolean, R> work, Runnable afterCommit) {
        try {
            return tx.enqueue(work, afterCommit);
        } catch (PersistenceException e) {
            throw failures.failure(what, e);
        }
    }
}
