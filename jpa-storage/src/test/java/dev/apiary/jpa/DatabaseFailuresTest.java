package dev.apiary.jpa;

import dev.apiary.RecordRefusedException;
import dev.apiary.StorageException;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.PessimisticLockException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the storage makes of a failure, told by the JPA exception and the SQL state in its cause chain, as the
 * providers wrap the driver's exception.
 */
class DatabaseFailuresTest {

    private final DatabaseFailures failures = new DatabaseFailures("mail");

    @Test
    void deadlockAndSerializationVictimsAndLockTimeoutsAreWorthAnotherTry() {
        assertThat(DatabaseFailures.isTransient(wrapped("40P01"))).isTrue();
        assertThat(DatabaseFailures.isTransient(wrapped("40001"))).isTrue();
        assertThat(DatabaseFailures.isTransient(new PessimisticLockException("locked"))).isTrue();
        assertThat(DatabaseFailures.isTransient(new PersistenceException(new LockTimeoutException("waited"))))
                .isTrue();

        assertThat(DatabaseFailures.isTransient(wrapped("08006"))).isFalse();
        assertThat(DatabaseFailures.isTransient(wrapped(null))).isFalse();
    }

    @Test
    void valuesTheDatabaseRefusesFailAsARefusedRecord() {
        for (String state : new String[] {"22021", "22P05", "22001", "54000"}) {
            StorageException failure = failures.failure("push a job", wrapped(state));

            assertThat(failure).isInstanceOf(RecordRefusedException.class)
                    .hasMessage("Job storage of queue 'mail' could not push a job: the database refused the data: "
                            + "wrapped " + state);
        }
    }

    @Test
    void aMissingTableSaysHowToCreateTheTables() {
        for (String state : new String[] {"42P01", "42S02", "42S04"}) {
            StorageException failure = failures.failure("claim jobs for worker 'w'", wrapped(state));

            assertThat(failure).isNotInstanceOf(RecordRefusedException.class)
                    .hasMessage("Job storage of queue 'mail' could not claim jobs for worker 'w': wrapped " + state
                            + ". " + JobSchema.missingTablesMessage(JobSchema.TABLES, "job storage's"));
        }
    }

    @Test
    void anyOtherFailureKeepsTheProvidersMessageAndCause() {
        PersistenceException cause = wrapped("08006");

        StorageException failure = failures.failure("settle 3 jobs", cause);

        assertThat(failure).isNotInstanceOf(RecordRefusedException.class).hasCause(cause)
                .hasMessage("Job storage of queue 'mail' could not settle 3 jobs: wrapped 08006");
    }

    /** As providers report a driver's failure: the SQL exception a few causes down. */
    private static PersistenceException wrapped(String sqlState) {
        SQLException driver = new SQLException("from the driver", sqlState);
        return new PersistenceException("wrapped " + sqlState, new RuntimeException("provider", driver));
    }
}
