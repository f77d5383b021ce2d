package dev.apiary;

/** Thrown by a handler to kill its job: it is never retried, whatever attempts are left. */
public class AbortJobException extends ApiaryException {

    public AbortJobException(String reason) {
        super(reason);
    }

    public AbortJobException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
