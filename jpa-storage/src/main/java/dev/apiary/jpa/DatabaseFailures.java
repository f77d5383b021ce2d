package dev.apiary.jpa;

import dev.apiary.RecordRefusedException;
import dev.apiary.StorageException;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.PessimisticLockException;

import java.sql.SQLException;
import java.util.Set;

/**
 * What a failure of JPA or the database means for the job storage of one queue: worth another try (a deadlock or
 * serialization victim, a lock timeout), a refusal of the values written (the same write fails again), a missing
 * table (the schema was not created), or anything else. Told by the JPA exception types and the SQL states in the
 * cause chain, which every database and provider report the same way.
 */
final class DatabaseFailures {

    private static final Set<String> MISSING_TABLE = Set.of("42P01", "42S02", "42S04");

    private final String queue;

    DatabaseFailures(String queue) {
        this.queue = queue;
    }

    /**
     * The exception an operation that could not {@code what} throws: {@link RecordRefusedException} when the
     * database refused the data, else a {@link StorageException} that tells how to create the tables when they are
     * missing.
     */
    StorageException failure(String what, PersistenceException e) {
        if (refusedData(e)) {
            return new RecordRefusedException("Job storage of queue '" + queue + "' could not " + what + ": the "
                    + "database refused the data: " + e.getMessage(), e);
        }
        String hint = missingTable(e) ? ". " + JobSchema.missingTablesMessage(JobSchema.TABLES, "job storage's") : "";
        return new StorageException("Job storage of queue '" + queue + "' could not " + what + ": " + e.getMessage()
                + hint, e);
    }

    /**
     * Whether the database chose the transaction as a deadlock or serialization victim, or a lock wait timed out:
     * the transaction was rolled back, and running it again may succeed.
     */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OptimisticLockException || t instanceof PessimisticLockException
                    || t instanceof LockTimeoutException) {
                return true;
            }
            // SQL state class 40: transaction rollback (deadlock, serialization failure)
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("40")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a row could not be inserted because one with its key is there: SQL state 23505 on PostgreSQL and H2,
     * found in the cause chain or a batch's next exception.
     */
    static boolean isDuplicateKey(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (SQLException sql = t instanceof SQLException s ? s : null; sql != null; sql = sql.getNextException()) {
                if ("23505".equals(sql.getSQLState())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether the database refused the values written rather than the statement or the connection: SQL state class
     * 22, data exception (PostgreSQL 22021 for a NUL or bytes its encoding lacks, 22P05 for a character a
     * single-byte encoding has no code for, 22001 for a value too long on every database), or 54, a limit of the
     * database exceeded by a value. Writing the same values again fails the same way.
     */
    private static boolean refusedData(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("54"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the database said a table does not exist: PostgreSQL 42P01; H2 42S02, and 42S04 when the database is
     * empty.
     */
    private static boolean missingTable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && MISSING_TABLE.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
