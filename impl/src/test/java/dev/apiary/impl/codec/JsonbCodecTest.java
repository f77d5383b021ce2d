package dev.apiary.impl.codec;

import dev.apiary.CodecException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonbCodecTest {

    public record Invoice(String customer, int cents) {
    }

    @Test
    void aPayloadThatCannotBeDecodedIsNamedByItsLengthNotItsText() {
        String payload = "{\"customer\":\"Jane Secret, 12 Hidden Lane\",\"cents\":\"not a number\"}";

        assertThatThrownBy(() -> new JsonbCodec().decode(payload, Invoice.class))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("Cannot decode a payload of " + payload.length() + " characters into "
                        + Invoice.class.getName())
                .message().doesNotContain("Jane Secret", "Hidden Lane", "not a number");
    }

    @Test
    void malformedJsonIsRefusedWithoutQuotingIt() {
        String payload = "{\"customer\": Jane Secret}";

        assertThatThrownBy(() -> new JsonbCodec().decode(payload, Invoice.class))
                .isInstanceOf(CodecException.class)
                .message().doesNotContain("Jane", "Secret");
    }

    @Test
    void aGoodPayloadStillRoundTrips() {
        JsonbCodec codec = new JsonbCodec();
        assertThat(codec.decode(codec.encode(new Invoice("Jane", 1250)), Invoice.class))
                .isEqualTo(new Invoice("Jane", 1250));
    }
}
