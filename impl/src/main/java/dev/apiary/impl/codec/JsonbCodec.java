package dev.apiary.impl.codec;

import dev.apiary.CodecException;
import dev.apiary.spi.Codec;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;

/**
 * The default codec: JSON-B, with the container's implementation (Yasson, Johnzon) or the one on the class path.
 * One {@link Jsonb} instance is shared: JSON-B instances are thread-safe and costly to create.
 */
public final class JsonbCodec implements Codec {

    private final Jsonb jsonb;

    public JsonbCodec() {
        this(JsonbBuilder.create());
    }

    public JsonbCodec(Jsonb jsonb) {
        this.jsonb = jsonb;
    }

    @Override
    public String encode(Object value) {
        try {
            return jsonb.toJson(value);
        } catch (RuntimeException e) {
            throw new CodecException("Cannot encode " + (value == null ? "null" : value.getClass().getName())
                    + " as JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public <T> T decode(String text, Class<T> type) {
        if (text == null) {
            throw new CodecException("Cannot decode a missing payload into " + type.getName(), null);
        }
        try {
            return jsonb.fromJson(text, type);
        } catch (RuntimeException e) {
            // the length, never the text: the message becomes a job's last error, which readers who may not see
            // payloads (the dashboard's viewers, log readers) are shown
            throw new CodecException("Cannot decode a payload of " + text.length() + " characters into "
                    + type.getName() + ": " + e.getMessage(), e);
        }
    }
}
