package dev.apiary.examples.war;

import dev.apiary.spi.JobStorage;

import java.util.function.Function;

/**
 * One queue the REST resource can enqueue into: its name, payload type and storage, and a check of a payload
 * received over HTTP.
 *
 * @param check returns what is wrong with a payload, or {@code null} when it may be enqueued
 */
public record ExampleQueue<T>(String name, String description, Class<T> payloadType, JobStorage<T> storage,
                              Function<T, String> check) {

    /** What is wrong with {@code payload} (already decoded to this queue's type), or {@code null}. */
    public String problemWith(Object payload) {
        if (payload == null) {
            return "the body must be a JSON object";
        }
        return check.apply(payloadType.cast(payload));
    }
}
