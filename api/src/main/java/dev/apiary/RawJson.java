package dev.apiary;

import java.util.Objects;

/**
 * A payload type for a queue whose jobs are JSON text a handler reads itself: a {@code JobStorage<RawJson>} (or a
 * {@code JobHandler<RawJson>}) hands over each job's payload as it was stored, not decoded. A push checks that the
 * text is well-formed JSON; pushing a {@code RawJson} stores its text as it is.
 *
 * <p>Unlike a queue of {@code String}, whose payloads are JSON strings ({@code "hello"} is stored as
 * {@code "\"hello\""}), a queue of {@code RawJson} keeps any JSON value, unchanged.
 *
 * @param json the JSON text of one job's payload
 */
public record RawJson(String json) {

    public RawJson {
        Objects.requireNonNull(json, "json");
    }

    @Override
    public String toString() {
        return json;
    }
}
