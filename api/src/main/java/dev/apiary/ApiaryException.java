package dev.apiary;

/** The root of every exception Apiary throws or understands. */
public class ApiaryException extends RuntimeException {

    public ApiaryException(String message) {
        super(message);
    }

    public ApiaryException(String message, Throwable cause) {
        super(message, cause);
    }
}
