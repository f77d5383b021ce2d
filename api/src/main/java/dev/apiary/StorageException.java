package dev.apiary;

/** A storage could not do what was asked (a database that went away, a constraint that failed). */
public class StorageException extends ApiaryException {

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
