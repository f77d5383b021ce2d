package dev.apiary;

/**
 * A storage refused the data of a write, not the write itself: text its database cannot hold, a value too long for
 * its column. The same write fails again however often it is tried, while the storage answers other writes; a
 * worker that gets it while settling isolates the refused job's outcome and writes the others. Any other
 * {@link StorageException} from a settle means the storage could not be written at all, and the worker keeps the
 * whole batch and tries it again.
 */
public class RecordRefusedException extends StorageException {

    public RecordRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
