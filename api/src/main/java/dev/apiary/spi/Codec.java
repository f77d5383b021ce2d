package dev.apiary.spi;

/**
 * Turns payloads into text and back. The default is JSON-B; Java serialization is never used.
 * Implementations are thread-safe and throw {@link dev.apiary.CodecException} on bad input.
 */
public interface Codec {

    String encode(Object value);

    <T> T decode(String text, Class<T> type);
}
