package dev.apiary.spi;

import dev.apiary.CodecException;
import dev.apiary.RawJson;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;

import java.io.StringReader;
import java.util.Objects;

/**
 * The codec a storage reads and writes payloads with: the payload type decides how stored text becomes a payload.
 * {@link RawJson} is the text as it is (checked to be JSON), a JSON-P type ({@code JsonObject}, {@code JsonArray},
 * {@code JsonValue}) is parsed with JSON-P, and every other type goes through the queue's codec. So a handler can take
 * a job as a {@code JsonObject} or as raw text whatever codec the queue has.
 */
public final class PayloadCodec implements Codec {

    private final Codec codec;

    private PayloadCodec(Codec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /** {@code codec} with raw JSON and JSON-P payloads read by their type; the same codec when it already does. */
    public static Codec of(Codec codec) {
        return codec instanceof PayloadCodec ? codec : new PayloadCodec(codec);
    }

    /**
     * Checks JSON pushed as it is against a queue's payload type by decoding it with {@code codec}, and returns the
     * decoded payload.
     *
     * @throws CodecException naming the queue and the type when the text is missing, not JSON or not a valid payload
     */
    public static <T> T check(Codec codec, String queue, Class<T> payloadType, String json) {
        if (json == null) {
            throw new CodecException("Queue '" + queue + "' refused a push of JSON: the text is missing (null); pass"
                    + " the JSON of a " + payloadType.getName(), null);
        }
        try {
            // one well-formed JSON value first: a codec may read a prefix and ignore what follows
            parse(json, JsonValue.class);
            T payload = of(codec).decode(json, payloadType);
            if (payload == null) {
                throw new CodecException("the text decodes to null", null);
            }
            return payload;
        } catch (CodecException e) {
            throw new CodecException("Queue '" + queue + "' refused a push of " + json.length() + " characters of"
                    + " JSON: it is not a valid " + payloadType.getName() + " (" + e.getMessage() + "); nothing was"
                    + " stored", e);
        }
    }

    @Override
    public String encode(Object value) {
        if (value instanceof RawJson raw) {
            return raw.json();
        }
        if (value instanceof JsonValue json) {
            return json.toString();
        }
        return codec.encode(value);
    }

    @Override
    public <T> T decode(String text, Class<T> type) {
        if (type == RawJson.class) {
            parse(text, type);
            return type.cast(new RawJson(text));
        }
        if (JsonValue.class.isAssignableFrom(type)) {
            return parse(text, type);
        }
        return codec.decode(text, type);
    }

    private static <T> T parse(String text, Class<T> type) {
        if (text == null) {
            throw new CodecException("Cannot decode a missing payload into " + type.getName(), null);
        }
        JsonValue value;
        // a parser, not a reader: a reader stops after the first value, so "{} trailing" would pass as JSON
        try (JsonParser parser = Json.createParser(new StringReader(text))) {
            if (!parser.hasNext()) {
                throw new CodecException("Cannot read " + text.length() + " characters as JSON: no value", null);
            }
            parser.next();
            value = parser.getValue();
            if (parser.hasNext()) {
                throw new CodecException("Cannot read " + text.length() + " characters as one JSON value: more"
                        + " follows it", null);
            }
        } catch (JsonException | IllegalStateException e) {
            // the length, never the text: the message may become a job's last error, shown to readers who may not
            // see payloads
            throw new CodecException("Cannot read " + text.length() + " characters as JSON: " + e.getMessage(), e);
        }
        if (type == RawJson.class) {
            return null;
        }
        if (!type.isInstance(value)) {
            throw new CodecException("Cannot decode JSON of type " + value.getValueType() + " into " + type.getName(),
                    null);
        }
        return type.cast(value);
    }

    @Override
    public String toString() {
        return codec.toString();
    }
}
