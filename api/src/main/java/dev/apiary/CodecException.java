package dev.apiary;

/** A payload could not be encoded or decoded. A job whose payload cannot be decoded is killed, not retried. */
public class CodecException extends ApiaryException {

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
